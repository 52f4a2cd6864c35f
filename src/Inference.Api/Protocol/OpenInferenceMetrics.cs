using Prometheus;

namespace CapsNetService.Inference.Api.Protocol;

/// <summary>
/// Triton's per-model inference metrics, under Triton's names and labels (<c>model</c>, <c>version</c>), so that
/// dashboards and alerts written for Triton read this service unchanged. Durations are cumulative microseconds, as
/// Triton's: divide a duration's rate by <c>nv_inference_request_success</c>'s for the mean per request.
/// <para>The execution counters count every classifier call of the model, whatever route it came from (the
/// micro-batcher mixes /predict and /v2 images in one call): <c>nv_inference_count / nv_inference_exec_count</c>
/// is the mean batch size. The request counters and durations count POST /v2/models/capsnet/infer.</para>
/// </summary>
public static class OpenInferenceMetrics
{
    public const string SuccessName = "nv_inference_request_success";
    public const string FailureName = "nv_inference_request_failure";
    public const string InferenceCountName = "nv_inference_count";
    public const string ExecutionCountName = "nv_inference_exec_count";
    public const string RequestDurationName = "nv_inference_request_duration_us";
    public const string QueueDurationName = "nv_inference_queue_duration_us";
    public const string ComputeDurationName = "nv_inference_compute_infer_duration_us";

    private static readonly string[] Labels = ["model", "version"];

    private static readonly Counter Success = Create(SuccessName,
        "Inference requests answered (POST /v2/models/{model}/infer).");
    private static readonly Counter Failure = Create(FailureName,
        "Inference requests refused or failed (POST /v2/models/{model}/infer): malformed input, unknown version, no model.");
    private static readonly Counter InferenceCount = Create(InferenceCountName,
        "Images classified by the model, from every route (a request of N images counts N).");
    private static readonly Counter ExecutionCount = Create(ExecutionCountName,
        "ONNX Runtime calls of the classifier, from every route (a gathered micro-batch counts 1).");
    private static readonly Counter RequestDuration = Create(RequestDurationName,
        "Cumulative time of answered inference requests, from their arrival to their answer, in microseconds.");
    private static readonly Counter QueueDuration = Create(QueueDurationName,
        "Cumulative time answered inference requests waited for their model call (micro-batching queue), in microseconds.");
    private static readonly Counter ComputeDuration = Create(ComputeDurationName,
        "Cumulative time of the model calls that answered inference requests, in microseconds.");

    /// <summary>One classifier call of <paramref name="images"/> images on model version <paramref name="version"/>.</summary>
    public static void RecordExecution(string version, int images)
    {
        ExecutionCount.WithLabels(OpenInferenceApi.ModelName, version).Inc();
        InferenceCount.WithLabels(OpenInferenceApi.ModelName, version).Inc(images);
    }

    public static void RecordSuccess(string version, TimeSpan request, TimeSpan queue, TimeSpan compute)
    {
        Success.WithLabels(OpenInferenceApi.ModelName, version).Inc();
        RequestDuration.WithLabels(OpenInferenceApi.ModelName, version).Inc(Microseconds(request));
        QueueDuration.WithLabels(OpenInferenceApi.ModelName, version).Inc(Microseconds(queue));
        ComputeDuration.WithLabels(OpenInferenceApi.ModelName, version).Inc(Microseconds(compute));
    }

    /// <param name="version">The serving model's version, or empty when none is loaded.</param>
    public static void RecordFailure(string version) => Failure.WithLabels(OpenInferenceApi.ModelName, version).Inc();

    private static double Microseconds(TimeSpan duration) => Math.Max(0, Math.Round(duration.TotalMicroseconds));

    private static Counter Create(string name, string help) =>
        Prometheus.Metrics.CreateCounter(name, help, new CounterConfiguration { LabelNames = Labels });
}
