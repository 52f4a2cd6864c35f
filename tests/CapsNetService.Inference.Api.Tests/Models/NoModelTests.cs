using System.Net;
using System.Text.Json;

namespace CapsNetService.Inference.Api.Tests.Models;

/// <summary>Starting without a model: the service is up but not ready, /predict answers 503, and a model published
/// later (into a folder that did not even exist at start-up) is picked up.</summary>
public sealed class NoModelTests : IDisposable
{
    private readonly TemporaryDirectory _root = new();

    [Fact]
    public async Task Starts_unready_then_serves_a_model_published_later()
    {
        var models = Path.Combine(_root.Path, "models-not-yet-created");
        using var factory = new CapsNetApiFactory(models, new Dictionary<string, string> { ["Inference:ReloadPollSeconds"] = "0.3" });
        using var client = factory.CreateClient();

        using (var live = await client.GetAsync("/health/live")) Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using (var ready = await client.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            var health = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("Unhealthy", health.GetProperty("status").GetString());
        }
        using (var predict = await client.PostImage(TestImages.MnistPng(0)))
        {
            var problem = await ProblemAssert.IsProblem(predict, HttpStatusCode.ServiceUnavailable, "no model", "/model");
            Assert.Equal("model-unavailable", problem.GetProperty("code").GetString());
            Assert.True(predict.Headers.RetryAfter is not null);
        }
        using (var batch = await client.PostAsync("/predict/batch", UploadForms.Form(("images", TestImages.MnistPng(0), "a.png", "image/png"))))
            await ProblemAssert.IsProblem(batch, HttpStatusCode.ServiceUnavailable, "no model");

        var model = await client.GetJson("/model");
        Assert.False(model.GetProperty("loaded").GetBoolean());
        Assert.Equal("missing", model.GetProperty("reload").GetProperty("lastOutcome").GetString());

        // Publish the way the trainer does: decoder and sidecar first, classifier last.
        Directory.CreateDirectory(models);
        ModelVariants.Publish(models, ModelContract.DecoderFileName, TestModels.DecoderBytes);
        ModelVariants.Publish(models, ModelContract.ModelFileName, TestModels.ClassifierBytes);

        await Eventually.Until(async () => (await client.GetAsync("/health/ready")).StatusCode,
                               status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "readiness after publishing");
        using var served = await client.PostImage(TestImages.MnistPng(0));
        Assert.Equal(TestModels.Metadata.ModelVersion, (await served.ReadJson()).GetProperty("modelVersion").GetString());
    }

    public void Dispose() => _root.Dispose();
}
