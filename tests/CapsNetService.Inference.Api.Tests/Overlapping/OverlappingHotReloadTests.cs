using System.Net;
using System.Text.Json;

namespace CapsNetService.Inference.Api.Tests.Overlapping;

/// <summary>The overlapping-digits model hot-reloads on its own: published after start-up it is picked up, a newer one
/// replaces it, a corrupt one is refused while the previous keeps serving; the MNIST model is left alone throughout.</summary>
public sealed class OverlappingHotReloadTests : IDisposable
{
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(30);
    private readonly TemporaryDirectory _models = TestModels.CopyToTemporaryDirectory();

    [MultiMnistFact]
    public async Task Publishes_replaces_and_survives_a_corrupt_file_without_touching_the_mnist_model()
    {
        using var factory = new CapsNetApiFactory(_models.Path, new Dictionary<string, string> { ["Inference:ReloadPollSeconds"] = "0.3" });
        using var client = factory.CreateClient();
        using (var before = await Post(client)) Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);

        // 1. Published after start-up, the way the trainer publishes: decoder and sidecar first, classifier last.
        var source = TestModels.MultiMnistDirectory!;
        var classifier = File.ReadAllBytes(Path.Combine(source, MultiMnistContract.ModelFileName));
        File.Copy(Path.Combine(source, MultiMnistContract.MetadataFileName), Path.Combine(_models.Path, MultiMnistContract.MetadataFileName));
        ModelVariants.Publish(_models.Path, MultiMnistContract.DecoderFileName, File.ReadAllBytes(Path.Combine(source, MultiMnistContract.DecoderFileName)));
        ModelVariants.Publish(_models.Path, MultiMnistContract.ModelFileName, classifier);
        var version = TestModels.MultiMnistMetadata!.ModelVersion;
        await WaitForOverlapping(client, o => o.GetProperty("modelVersion").GetString() == version, "the first overlapping model");
        using (var served = await Post(client))
            Assert.Equal(version, (await served.ReadJson()).GetProperty("modelVersion").GetString());

        // 2. A newer one replaces it.
        ModelVariants.Publish(_models.Path, MultiMnistContract.ModelFileName, ModelVariants.WithMetadata(classifier, "modelVersion", "overlapping-2"));
        var overlapping = await WaitForOverlapping(client, o => o.GetProperty("modelVersion").GetString() == "overlapping-2", "version overlapping-2");
        Assert.Equal(2, overlapping.GetProperty("reload").GetProperty("loadedCount").GetInt32());

        // 3. A corrupt one is refused; overlapping-2 keeps serving and /model says why.
        ModelVariants.Publish(_models.Path, MultiMnistContract.ModelFileName, classifier[..(classifier.Length / 3)]);
        overlapping = await WaitForOverlapping(client, o => o.GetProperty("reload").GetProperty("lastOutcome").GetString() == "rejected", "the refusal");
        Assert.Equal("overlapping-2", overlapping.GetProperty("modelVersion").GetString());
        Assert.Equal(MultiMnistContract.ModelFileName, overlapping.GetProperty("reload").GetProperty("lastError").GetProperty("file").GetString());
        using (var stillServing = await Post(client))
            Assert.Equal("overlapping-2", (await stillServing.ReadJson()).GetProperty("modelVersion").GetString());

        // 4. An MNIST model published as the overlapping one is refused for its kind.
        ModelVariants.Publish(_models.Path, MultiMnistContract.DecoderFileName, TestModels.DecoderBytes);
        ModelVariants.Publish(_models.Path, MultiMnistContract.ModelFileName, TestModels.ClassifierBytes);
        overlapping = await WaitForOverlapping(client, o => o.GetProperty("reload").GetProperty("rejectedCount").GetInt32() == 2, "the second refusal");
        // The decoder is checked first (its provider decides the MNIST model's precision), so either file may be named.
        var refusal = overlapping.GetProperty("reload").GetProperty("lastError").GetProperty("message").GetString();
        Assert.Matches(@"multimnist(\.decoder)?\.onnx", refusal);
        Assert.Contains("36", refusal);
        Assert.Equal("overlapping-2", overlapping.GetProperty("modelVersion").GetString());

        var model = await client.GetJson("/model");
        Assert.Equal(TestModels.Metadata.ModelVersion, model.GetProperty("modelVersion").GetString());
        Assert.Equal(1, model.GetProperty("reload").GetProperty("loadedCount").GetInt32());
        Assert.Equal(0, model.GetProperty("reload").GetProperty("rejectedCount").GetInt32());
        using (var ready = await client.GetAsync("/health/ready")) Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    private static Task<HttpResponseMessage> Post(HttpClient client) =>
        client.PostAsync("/predict/overlapping", UploadForms.Image(TestImages.OverlappingDrawing(2, 3)));

    private static Task<JsonElement> WaitForOverlapping(HttpClient client, Func<JsonElement, bool> done, string what) =>
        Eventually.Until(async () => (await client.GetJson("/model")).GetProperty("overlapping"), done, ReloadTimeout, what);

    public void Dispose() => _models.Dispose();
}
