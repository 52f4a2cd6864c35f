using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;

namespace CapsNetService.Inference.Api.Tests.Models;

/// <summary>
/// A running service picks up a newly published model, survives a corrupt one (the old model keeps serving and
/// GET /model reports the refusal), and picks up the next good one; requests keep succeeding throughout.
/// </summary>
public sealed class HotReloadTests : IDisposable
{
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(30);
    private readonly TemporaryDirectory _models = TestModels.CopyToTemporaryDirectory();

    [Fact]
    public async Task Swaps_models_and_survives_a_corrupt_file()
    {
        using var factory = new CapsNetApiFactory(_models.Path, new Dictionary<string, string> { ["Inference:ReloadPollSeconds"] = "0.5" });
        using var client = factory.CreateClient();
        Assert.Equal(TestModels.Metadata.ModelVersion, (await Model(client)).GetProperty("modelVersion").GetString());

        // Requests run all along; every one must succeed, on whichever model was serving when it started.
        using var stop = new CancellationTokenSource();
        var seenVersions = new ConcurrentBag<string>();
        var traffic = Task.Run(async () =>
        {
            int sent = 0;
            while (!stop.IsCancellationRequested && sent++ < 2000)
            {
                using var response = await client.PostImage(TestImages.MnistPng(sent % 10));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                seenVersions.Add((await response.ReadJson()).GetProperty("modelVersion").GetString()!);
            }
        });

        // 1. A new valid model (same graph, new version in its metadata) is picked up.
        ModelVariants.Publish(_models.Path, ModelContract.ModelFileName,
            ModelVariants.WithMetadata(TestModels.ClassifierBytes, "modelVersion", "hot-reload-2"));
        var model = await WaitForModel(client, m => m.GetProperty("modelVersion").GetString() == "hot-reload-2", "version hot-reload-2");
        Assert.Equal("loaded", model.GetProperty("reload").GetProperty("lastOutcome").GetString());
        Assert.Equal(2, model.GetProperty("reload").GetProperty("loadedCount").GetInt32());

        // 2. A corrupt file is refused; the previous model keeps serving and /model says why.
        var truncated = TestModels.ClassifierBytes[..(TestModels.ClassifierBytes.Length / 3)];
        ModelVariants.Publish(_models.Path, ModelContract.ModelFileName, truncated);
        model = await WaitForModel(client, m => m.GetProperty("reload").GetProperty("lastOutcome").GetString() == "rejected", "the refusal");
        Assert.Equal("hot-reload-2", model.GetProperty("modelVersion").GetString());
        var error = model.GetProperty("reload").GetProperty("lastError");
        Assert.Equal(ModelContract.ModelFileName, error.GetProperty("file").GetString());
        Assert.Contains(ModelContract.ModelFileName, error.GetProperty("message").GetString());
        Assert.DoesNotContain(_models.Path, model.GetRawText());
        using (var stillServing = await client.PostImage(TestImages.MnistPng(0)))
            Assert.Equal("hot-reload-2", (await stillServing.ReadJson()).GetProperty("modelVersion").GetString());
        using (var ready = await client.GetAsync("/health/ready")) Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

        // 3. The next good model is picked up; the refusal stays on record.
        ModelVariants.Publish(_models.Path, ModelContract.ModelFileName,
            ModelVariants.WithMetadata(TestModels.ClassifierBytes, "modelVersion", "hot-reload-3"));
        model = await WaitForModel(client, m => m.GetProperty("modelVersion").GetString() == "hot-reload-3", "version hot-reload-3");
        Assert.Equal("loaded", model.GetProperty("reload").GetProperty("lastOutcome").GetString());
        Assert.Equal(1, model.GetProperty("reload").GetProperty("rejectedCount").GetInt32());
        Assert.NotEqual(JsonValueKind.Null, model.GetProperty("reload").GetProperty("lastError").ValueKind);

        await stop.CancelAsync();
        await traffic;
        Assert.Contains("hot-reload-2", seenVersions);

        var metrics = await client.GetStringAsync("/metrics");
        Assert.True(MetricsText.Value(metrics, $"{InferenceMetrics.ModelReloadsName}{{outcome=\"rejected\"}}") >= 1);
        Assert.True(MetricsText.Value(metrics, $"{InferenceMetrics.ModelReloadsName}{{outcome=\"loaded\"}}") >= 3);
    }

    /// <summary>A capsnet.onnx (or decoder) that links to some other file of the machine is refused as "not a model"
    /// from its first bytes; GET /model must not publish that file's SHA-256 (it did, issue 20).</summary>
    [Theory]
    [InlineData(ModelContract.ModelFileName)]
    [InlineData(ModelContract.DecoderFileName)]
    public async Task A_link_to_a_file_that_is_not_a_model_is_refused_without_its_hash(string file)
    {
        using var elsewhere = new TemporaryDirectory();
        var secret = Path.Combine(elsewhere.Path, "accounts.txt");
        File.WriteAllText(secret, "root:x:0:0:root:/root:/bin/bash\n" + new string('x', 4096));
        var secretSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(secret)));
        using var factory = new CapsNetApiFactory(_models.Path, new Dictionary<string, string> { ["Inference:ReloadPollSeconds"] = "0.5" });
        using var client = factory.CreateClient();
        Assert.Equal(TestModels.Metadata.ModelVersion, (await Model(client)).GetProperty("modelVersion").GetString());

        // Published as a link, renamed into place as the trainer renames files; the decoder goes first, so the
        // classifier is touched after it to make the service look.
        var link = Path.Combine(_models.Path, $".{file}.link.tmp");
        File.CreateSymbolicLink(link, secret);
        File.Move(link, Path.Combine(_models.Path, file), overwrite: true);
        if (file == ModelContract.DecoderFileName)
            ModelVariants.Publish(_models.Path, ModelContract.ModelFileName,
                ModelVariants.WithMetadata(TestModels.ClassifierBytes, "modelVersion", "with-a-linked-decoder"));

        var model = await WaitForModel(client, m => m.GetProperty("reload").GetProperty("lastOutcome").GetString() == "rejected", "the refusal");
        var error = model.GetProperty("reload").GetProperty("lastError");
        Assert.Contains($"{file} is not a model", error.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("sha256").ValueKind);
        Assert.DoesNotContain(secretSha256, model.GetRawText());
        Assert.Equal(TestModels.Metadata.ModelVersion, model.GetProperty("modelVersion").GetString());
    }

    private static async Task<JsonElement> Model(HttpClient client) => await client.GetJson("/model");

    private static Task<JsonElement> WaitForModel(HttpClient client, Func<JsonElement, bool> done, string what) =>
        Eventually.Until(() => Model(client), done, ReloadTimeout, what);

    public void Dispose() => _models.Dispose();
}
