using System.Net;

namespace CapsNetService.Inference.Api.Tests.Models;

/// <summary>GET /health/live and /health/ready with a model loaded (the no-model case is in <see cref="NoModelTests"/>).</summary>
[Collection(ServiceCollection.Name)]
public sealed class HealthEndpointTests(ServiceFixture service)
{
    [Fact]
    public async Task Live_answers_200()
    {
        using var response = await service.Client.GetAsync("/health/live");
        var health = await response.ReadJson();
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_answers_200_with_the_model_check()
    {
        using var response = await service.Client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var health = await response.ReadJson();
        var check = Assert.Single(health.GetProperty("checks").EnumerateArray());
        Assert.Equal("model", check.GetProperty("name").GetString());
        Assert.Equal("Healthy", check.GetProperty("status").GetString());
        Assert.Contains(TestModels.Metadata.ModelVersion, check.GetProperty("description").GetString());
    }
}
