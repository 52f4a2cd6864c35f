using Microsoft.Extensions.Logging.Abstractions;

namespace CapsNetService.Inference.Api.Tests.Prediction;

/// <summary>
/// The micro-batcher on the real model under ONNX Runtime, with real MNIST test digits: concurrent images get the
/// answers they get alone, a call never holds more than MaxBatchSize, a cancelled request leaves its call without
/// failing the others, a call runs on one model while another is swapped in. Long delays make the gathering
/// deterministic here (the images arrive well within them).
/// </summary>
public sealed class MicroBatcherTests : IDisposable
{
    private readonly OnnxModelStore _store = new("/unused");

    public MicroBatcherTests() => _store.Install(Loaders.Load(TestModels.ClassifierBytes, TestModels.DecoderBytes));

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Concurrent_images_get_the_answers_they_get_alone()
    {
        var images = Enumerable.Range(0, 24).Select(Digit).ToArray();
        DigitPrediction[] alone;
        using (var lease = _store.TryAcquire()!)
            alone = images.Select(image => lease.Model.Classifier.Classify([image])[0]).ToArray();

        await using var batcher = Batcher(maxBatchSize: 8, maxDelayMilliseconds: 200);
        var answers = await Task.WhenAll(images.Select(image => Task.Run(() => batcher.PredictAsync(image, CancellationToken.None))));

        Assert.Contains(answers, a => a.ImagesInCall > 1);   // they really shared calls
        for (int i = 0; i < images.Length; i++)
        {
            Assert.Equal(alone[i].Digit, answers[i].Prediction.Digit);
            AssertClose(alone[i].Probabilities, answers[i].Prediction.Probabilities, $"image {i}: capsule lengths");
            AssertClose(alone[i].Capsules, answers[i].Prediction.Capsules, $"image {i}: capsules");
            AssertClose(alone[i].Reconstruction, answers[i].Prediction.Reconstruction, $"image {i}: reconstruction");
            Assert.Equal(TestModels.Metadata.ModelVersion, answers[i].ModelVersion);
        }
        if (TestModels.IsTrained)
            Assert.True(answers.Select((a, i) => a.Prediction.Digit == TestImages.Label(i)).Count(right => right) >= 22,
                        "the trained model gets nearly all of the first 24 test digits right");
    }

    [Fact]
    public async Task A_call_never_holds_more_than_MaxBatchSize()
    {
        await using var batcher = Batcher(maxBatchSize: 4, maxDelayMilliseconds: 100);
        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => batcher.PredictAsync(Digit(i), CancellationToken.None)));

        Assert.All(answers, a => Assert.InRange(a.ImagesInCall, 1, 4));
        Assert.Contains(answers, a => a.ImagesInCall == 4);
    }

    [Fact]
    public async Task A_cancelled_request_leaves_its_call_without_failing_the_others()
    {
        await using var batcher = Batcher(maxBatchSize: 8, maxDelayMilliseconds: 1000);
        using var cancel = new CancellationTokenSource();
        var first = batcher.PredictAsync(Digit(0), CancellationToken.None);
        var cancelled = batcher.PredictAsync(Digit(1), cancel.Token);
        var third = batcher.PredictAsync(Digit(2), CancellationToken.None);

        await Task.Delay(50);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        var answers = await Task.WhenAll(first, third);
        Assert.All(answers, a => Assert.Equal(2, a.ImagesInCall));   // the cancelled slot was dropped from the call
        using var lease = _store.TryAcquire()!;
        Assert.Equal(lease.Model.Classifier.Classify([Digit(2)])[0].Digit, answers[1].Prediction.Digit);
    }

    [Fact]
    public async Task A_request_cancelled_before_it_is_queued_runs_nothing()
    {
        await using var batcher = Batcher(maxBatchSize: 8, maxDelayMilliseconds: 1);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => batcher.PredictAsync(Digit(0), new CancellationToken(canceled: true)));
        Assert.Equal(1, (await batcher.PredictAsync(Digit(0), CancellationToken.None)).ImagesInCall);
    }

    [Fact]
    public async Task An_image_of_the_wrong_size_is_refused_alone_and_never_joins_a_call()
    {
        await using var batcher = Batcher(maxBatchSize: 8, maxDelayMilliseconds: 100);
        var good = batcher.PredictAsync(Digit(0), CancellationToken.None);
        Assert.Throws<ArgumentException>(() => { _ = batcher.PredictAsync(new float[10], CancellationToken.None); });
        var answer = await good;
        Assert.Equal(1, answer.ImagesInCall);
    }

    [Fact]
    public async Task Without_a_model_every_request_of_the_call_gets_model_unavailable()
    {
        using var empty = new OnnxModelStore("/unused");
        await using var batcher = new MicroBatcher(Microsoft.Extensions.Options.Options.Create(new MicroBatchingOptions { Enabled = true, MaxDelayMilliseconds = 50 }),
                                                   new InferenceRunner(empty, new InferenceMetrics()), NullLogger<MicroBatcher>.Instance);
        var requests = Enumerable.Range(0, 3).Select(i => batcher.PredictAsync(Digit(i), CancellationToken.None)).ToArray();
        foreach (var request in requests) await Assert.ThrowsAsync<ModelUnavailableException>(() => request);
    }

    [Fact]
    public async Task A_call_runs_on_one_model_while_a_new_one_is_swapped_in()
    {
        // Loaded first (it takes a while), swapped in while the images wait for their call: the call takes its lease
        // when it starts, so all of it runs on one model, the new one.
        var next = Loaders.Load(ModelVariants.WithMetadata(TestModels.ClassifierBytes, "modelVersion", "batched-2"), TestModels.DecoderBytes);
        await using var batcher = Batcher(maxBatchSize: 8, maxDelayMilliseconds: 500);
        var waiting = Enumerable.Range(0, 3).Select(i => batcher.PredictAsync(Digit(i), CancellationToken.None)).ToArray();
        var old = _store.Current!;
        _store.Install(next);

        var answers = await Task.WhenAll(waiting);
        Assert.Single(answers.Select(a => a.ModelVersion).Distinct());
        Assert.Equal("batched-2", answers[0].ModelVersion);
        Assert.True(old.IsDisposed);   // no lease kept the replaced model alive
        Assert.Equal("batched-2", (await batcher.PredictAsync(Digit(3), CancellationToken.None)).ModelVersion);
    }

    [Fact]
    public async Task Gathered_calls_are_counted_in_the_batch_size_histogram()
    {
        var before = await BatchHistogram();
        await using var batcher = Batcher(maxBatchSize: 8, maxDelayMilliseconds: 300);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => batcher.PredictAsync(Digit(i), CancellationToken.None)));
        var after = await BatchHistogram();

        Assert.Equal(8, after.Sum - before.Sum);      // every image counted
        Assert.True(after.Count - before.Count < 8, $"{after.Count - before.Count} calls for 8 images: they were not gathered");
    }

    private MicroBatcher Batcher(int maxBatchSize, double maxDelayMilliseconds) =>
        new(Microsoft.Extensions.Options.Options.Create(new MicroBatchingOptions
            {
                Enabled = true, MaxBatchSize = maxBatchSize, MaxDelayMilliseconds = maxDelayMilliseconds,
            }),
            new InferenceRunner(_store, new InferenceMetrics()), NullLogger<MicroBatcher>.Instance);

    /// <summary>MNIST test digit <paramref name="index"/>, normalised as the model expects (/255).</summary>
    private static float[] Digit(int index) => TestImages.Mnist.ModelInput(index, 1);

    private static async Task<(double Sum, double Count)> BatchHistogram()
    {
        using var stream = new MemoryStream();
        await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(stream);
        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        return (MetricsText.Value(text, InferenceMetrics.BatchSizeName + "_sum"), MetricsText.Value(text, InferenceMetrics.BatchSizeName + "_count"));
    }

    private static void AssertClose(float[] expected, float[] actual, string what, float tolerance = 1e-4f)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= tolerance, $"{what}: differs by up to {worst} (allowed {tolerance})");
    }
}
