using System.Net;

namespace CapsNetService.Inference.Api.Tests.Hosting;

/// <summary>RateLimiting: off by default; when on, a client over its permits gets 429 problem+json with
/// Retry-After, and the health probes and the metrics scrape are never limited.</summary>
public sealed class RateLimitingTests
{
    [Fact]
    public async Task Off_by_default()
    {
        using var factory = new CapsNetApiFactory(TestModels.Directory);
        using var client = factory.CreateClient();
        for (int i = 0; i < 150; i++)
        {
            using var response = await client.GetAsync("/model");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task When_on_a_client_over_its_permits_gets_429_with_retry_after()
    {
        using var factory = new CapsNetApiFactory(TestModels.Directory, new Dictionary<string, string>
        {
            ["RateLimiting:Enabled"] = "true",
            ["RateLimiting:PermitLimit"] = "3",
            ["RateLimiting:WindowSeconds"] = "600",
        });
        using var client = factory.CreateClient();

        for (int i = 0; i < 3; i++)
        {
            using var allowed = await client.PostImage(TestImages.MnistPng(i));
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }
        using var refused = await client.PostImage(TestImages.MnistPng(3));
        var problem = await ProblemAssert.IsProblem(refused, HttpStatusCode.TooManyRequests, "more than 3 requests", "try again");
        Assert.Equal("rate-limited", problem.GetProperty("code").GetString());
        var retryAfter = int.Parse(Assert.Single(refused.Headers.GetValues("Retry-After")));
        Assert.InRange(retryAfter, 1, 600);

        // Probes and scrapes still get through.
        using var live = await client.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var metrics = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("capsnet_requests_rate_limited_total", await metrics.Content.ReadAsStringAsync());
    }

    [Fact]
    public void Limits_that_cannot_work_are_named()
    {
        var result = new RateLimitOptions.Validator().Validate(null, new RateLimitOptions { PermitLimit = 0, WindowSeconds = 0, QueueLimit = -1 });
        Assert.Contains("RateLimiting:PermitLimit", result.FailureMessage);
        Assert.Contains("RateLimiting:WindowSeconds", result.FailureMessage);
        Assert.Contains("RateLimiting:QueueLimit", result.FailureMessage);
        Assert.True(new RateLimitOptions.Validator().Validate(null, new RateLimitOptions()).Succeeded);
    }
}
