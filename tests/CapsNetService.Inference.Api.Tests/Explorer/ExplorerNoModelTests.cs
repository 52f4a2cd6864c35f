using System.Net;

namespace CapsNetService.Inference.Api.Tests.Explorer;

/// <summary>Without a model, the capsule endpoints answer 503 (with Retry-After) like /predict.</summary>
public sealed class ExplorerNoModelTests
{
    [Fact]
    public async Task Reconstruct_and_explore_are_503_until_a_model_is_loaded()
    {
        using var empty = new TemporaryDirectory();
        using var factory = new CapsNetApiFactory(empty.Path);
        using var client = factory.CreateClient();

        var capsule = $$"""{"digit": 7, "capsule": {{CapsuleRequests.Capsule()}}}""";
        using (var reconstruct = await client.PostJson("/reconstruct", capsule))
        {
            var problem = await ProblemAssert.IsProblem(reconstruct, HttpStatusCode.ServiceUnavailable, "no model");
            Assert.Equal("model-unavailable", problem.GetProperty("code").GetString());
            Assert.NotNull(reconstruct.Headers.RetryAfter);
        }
        using (var explore = await client.PostJson("/explore", capsule))
            await ProblemAssert.IsProblem(explore, HttpStatusCode.ServiceUnavailable, "no model");
        using (var image = await client.PostImage(TestImages.MnistPng(0), path: "/explore?format=png"))
            await ProblemAssert.IsProblem(image, HttpStatusCode.ServiceUnavailable, "no model");
    }
}
