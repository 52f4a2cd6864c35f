using Prometheus;

namespace CapsNetService.Inference.Api.Prediction;

/// <summary>
/// Where the time of one POST /predict goes, as the Prometheus histogram <c>capsnet_predict_stage_seconds{stage}</c>:
/// reading the form, decoding and preprocessing the image, waiting in the micro-batcher (until its call's answer is
/// back, less the call), the ONNX Runtime call, building the answer (PNG encodings, capsule copies) and writing it
/// (JSON serialisation and sending, until the response has gone). A few timestamps per request, cheap enough to stay
/// on; the sums divided by the counts are the mean cost of each step.
/// </summary>
public static class PredictionStages
{
    public const string MetricName = "capsnet_predict_stage_seconds";

    public enum Stage { Read, Preprocess, Queue, Inference, Respond, Write }

    private static readonly Histogram Durations = Prometheus.Metrics.CreateHistogram(MetricName,
        "Time of each step of one POST /predict, in seconds: read, preprocess, queue (micro-batcher wait), inference "
        + "(the ONNX Runtime call the image ran in), respond (building the answer), write (serialising and sending it).",
        new HistogramConfiguration { LabelNames = ["stage"], Buckets = Histogram.ExponentialBuckets(0.00002, 2, 16) });

    private static readonly Histogram.Child[] ByStage =
        Enum.GetNames<Stage>().Select(name => Durations.WithLabels(name.ToLowerInvariant())).ToArray();

    /// <summary>Records the time from <paramref name="since"/> (a <see cref="Stopwatch.GetTimestamp"/>) to now, and returns now.</summary>
    public static long Record(Stage stage, long since)
    {
        long now = Stopwatch.GetTimestamp();
        ByStage[(int)stage].Observe(Stopwatch.GetElapsedTime(since, now).TotalSeconds);
        return now;
    }

    public static void Record(Stage stage, TimeSpan elapsed) => ByStage[(int)stage].Observe(Math.Max(0, elapsed.TotalSeconds));
}
