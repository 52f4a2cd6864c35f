using System.Security.Cryptography;

namespace CapsNetService.Inference.Api.Tests.Models;

/// <summary>GET /model describes the serving model from its ONNX metadata.</summary>
[Collection(ServiceCollection.Name)]
public sealed class ModelEndpointTests(ServiceFixture service)
{
    [Fact]
    public async Task Describes_the_serving_model()
    {
        using var response = await service.Client.GetAsync("/model");
        var model = await response.ReadJson();

        Assert.True(model.GetProperty("loaded").GetBoolean());
        Assert.Equal(TestModels.Metadata.ModelVersion, model.GetProperty("modelVersion").GetString());
        var metadata = model.GetProperty("metadata");
        Assert.Equal(TestModels.Metadata.CheckpointSha256, metadata.GetProperty("checkpointSha256").GetString());
        Assert.Equal(TestModels.Metadata.Epochs, metadata.GetProperty("epochs").GetInt32());
        Assert.Equal(TestModels.Metadata.RoutingIterations, metadata.GetProperty("routingIterations").GetInt32());

        Assert.Contains(model.GetProperty("executionProvider").GetString(),
            new[] { OnnxSessionFactory.CpuProvider, OnnxSessionFactory.CudaProvider });
        Assert.Equal("auto", model.GetProperty("requestedProvider").GetString());
        Assert.True(model.GetProperty("loadedAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(-1));
        Assert.True(model.GetProperty("loadMilliseconds").GetDouble() > 0);

        var classifier = model.GetProperty("files").GetProperty("classifier");
        Assert.Equal("capsnet.onnx", classifier.GetProperty("name").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(TestModels.ClassifierBytes)), classifier.GetProperty("sha256").GetString());
        Assert.Equal(TestModels.ClassifierBytes.Length, classifier.GetProperty("bytes").GetInt64());

        var reload = model.GetProperty("reload");
        Assert.Equal("loaded", reload.GetProperty("lastOutcome").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, reload.GetProperty("lastError").ValueKind);
        Assert.DoesNotContain(TestModels.Directory, model.GetRawText());
    }
}
