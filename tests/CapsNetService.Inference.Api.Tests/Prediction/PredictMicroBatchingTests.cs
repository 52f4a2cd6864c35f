using System.Text.Json;

namespace CapsNetService.Inference.Api.Tests.Prediction;

/// <summary>
/// POST /predict with Inference:Batching on, through the whole service: concurrent requests with real MNIST PNGs get
/// the same answers as with batching off, share ONNX Runtime calls (the batch size histogram shows it), and a blank
/// image among them is refused alone.
/// </summary>
public sealed class PredictMicroBatchingTests : IDisposable
{
    private const int Requests = 16;

    private readonly CapsNetApiFactory _batched = new(TestModels.Directory, new Dictionary<string, string>
    {
        ["Inference:Batching:Enabled"] = "true",
        ["Inference:Batching:MaxBatchSize"] = "8",
        // Long enough for the concurrent requests of the test to meet, whatever the machine's load.
        ["Inference:Batching:MaxDelayMilliseconds"] = "100",
    });

    private readonly CapsNetApiFactory _unbatched = new(TestModels.Directory, new Dictionary<string, string>
    {
        ["Inference:Batching:Enabled"] = "false",
    });

    public void Dispose()
    {
        _batched.Dispose();
        _unbatched.Dispose();
    }

    [Fact]
    public async Task Concurrent_requests_get_the_answers_they_get_without_batching()
    {
        using var batchedClient = _batched.CreateClient();
        using var unbatchedClient = _unbatched.CreateClient();
        var pngs = Enumerable.Range(0, Requests).Select(TestImages.MnistPng).ToArray();

        var expected = new List<JsonElement>();
        foreach (var png in pngs)
        {
            using var response = await unbatchedClient.PostImage(png);
            expected.Add(await response.ReadJson());
        }

        var before = await BatchHistogram(batchedClient);
        var answers = await Task.WhenAll(pngs.Select(async png =>
        {
            using var response = await batchedClient.PostImage(png);
            return await response.ReadJson();
        }));
        var after = await BatchHistogram(batchedClient);

        for (int i = 0; i < Requests; i++)
        {
            Assert.Equal(expected[i].GetProperty("digit").GetInt32(), answers[i].GetProperty("digit").GetInt32());
            var want = expected[i].GetProperty("probabilities").Floats();
            var got = answers[i].GetProperty("probabilities").Floats();
            Assert.All(want.Zip(got), pair => Assert.InRange(Math.Abs(pair.First - pair.Second), 0, 1e-4));
            var wantCapsules = expected[i].GetProperty("capsules").EnumerateArray().SelectMany(c => c.Floats());
            var gotCapsules = answers[i].GetProperty("capsules").EnumerateArray().SelectMany(c => c.Floats());
            Assert.All(wantCapsules.Zip(gotCapsules), pair => Assert.InRange(Math.Abs(pair.First - pair.Second), 0, 1e-4));
            // The reconstruction PNG: the same image within a grey level (float rounding of a different batch).
            CapsuleRequests.SameImage(CapsuleRequests.GreyPixels(expected[i].GetProperty("reconstruction").GetString()!),
                                      CapsuleRequests.GreyPixels(answers[i].GetProperty("reconstruction").GetString()!), 1, $"request {i}: reconstruction");
            if (TestModels.IsTrained) Assert.Equal(TestImages.Label(i), answers[i].GetProperty("digit").GetInt32());
        }
        Assert.Equal(Requests, after.Sum - before.Sum);
        Assert.True(after.Count - before.Count < Requests, $"{after.Count - before.Count} ONNX Runtime calls for {Requests} concurrent requests: none were gathered");
    }

    [Fact]
    public async Task A_refused_image_among_concurrent_requests_fails_only_its_own()
    {
        using var client = _batched.CreateClient();
        var blank = client.PostImage(TestImages.Blank());
        var digits = Enumerable.Range(0, 6).Select(i => client.PostImage(TestImages.MnistPng(i))).ToArray();

        using (var refused = await blank) Assert.Equal(422, (int)refused.StatusCode);
        foreach (var request in digits)
            using (var response = await request)
                Assert.Equal(200, (int)response.StatusCode);
    }

    private static async Task<(double Sum, double Count)> BatchHistogram(HttpClient client)
    {
        var metrics = await client.GetStringAsync("/metrics");
        return (MetricsText.Value(metrics, InferenceMetrics.BatchSizeName + "_sum"), MetricsText.Value(metrics, InferenceMetrics.BatchSizeName + "_count"));
    }
}
