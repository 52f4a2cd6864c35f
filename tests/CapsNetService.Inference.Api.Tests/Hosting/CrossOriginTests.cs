
namespace CapsNetService.Inference.Api.Tests.Hosting;

/// <summary>CORS is closed unless Cors:AllowedOrigins names origins; then it opens to exactly those.</summary>
public sealed class CrossOriginTests
{
    private const string Allowed = "https://digits.example.org";

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/predict");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type");
        return request;
    }

    private static HttpRequestMessage CrossOriginGet(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/model");
        request.Headers.Add("Origin", origin);
        return request;
    }

    [Fact]
    public async Task By_default_no_origin_is_allowed()
    {
        using var factory = new CapsNetApiFactory(TestModels.Directory);
        using var client = factory.CreateClient();

        using var preflight = await client.SendAsync(Preflight(Allowed));
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
        using var get = await client.SendAsync(CrossOriginGet(Allowed));
        Assert.Equal(200, (int)get.StatusCode);
        Assert.False(get.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_configured_origin_is_allowed_and_no_other()
    {
        using var factory = new CapsNetApiFactory(TestModels.Directory, new Dictionary<string, string>
        {
            ["Cors:AllowedOrigins:0"] = Allowed + "/",
        });
        using var client = factory.CreateClient();

        using var preflight = await client.SendAsync(Preflight(Allowed));
        Assert.Equal(204, (int)preflight.StatusCode);
        Assert.Equal(Allowed, Assert.Single(preflight.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("POST", string.Join(",", preflight.Headers.GetValues("Access-Control-Allow-Methods")));

        using var get = await client.SendAsync(CrossOriginGet(Allowed));
        Assert.Equal(Allowed, Assert.Single(get.Headers.GetValues("Access-Control-Allow-Origin")));

        using var other = await client.SendAsync(CrossOriginGet("https://evil.example.com"));
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
        using var otherPreflight = await client.SendAsync(Preflight("https://evil.example.com"));
        Assert.False(otherPreflight.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("*", "wildcard")]
    [InlineData("https://*.example.org", "wildcard")]
    [InlineData("digits.example.org", "not an origin")]
    [InlineData("https://digits.example.org/app", "not an origin")]
    [InlineData("ftp://digits.example.org", "not an origin")]
    public void Origins_that_are_not_origins_stop_the_start(string origin, string message)
    {
        var result = new CrossOriginOptions.Validator().Validate(null, new CrossOriginOptions { AllowedOrigins = [origin] });
        Assert.True(result.Failed);
        Assert.Contains("Cors:AllowedOrigins", result.FailureMessage);
        Assert.Contains(message, result.FailureMessage);
    }

    [Fact]
    public void The_default_and_plain_origins_are_valid()
    {
        Assert.True(new CrossOriginOptions.Validator().Validate(null, new CrossOriginOptions()).Succeeded);
        Assert.True(new CrossOriginOptions.Validator().Validate(null,
            new CrossOriginOptions { AllowedOrigins = ["https://a.example.org", "http://localhost:5173"] }).Succeeded);
    }
}
