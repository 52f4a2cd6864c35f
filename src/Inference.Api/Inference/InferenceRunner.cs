using System.Diagnostics;
using CapsNetService.Inference.Api.Metrics;

namespace CapsNetService.Inference.Api.Inference;

/// <summary>Runs preprocessed images through the serving model as one ONNX Runtime call and times it.</summary>
public sealed class InferenceRunner(OnnxModelStore store, InferenceMetrics metrics)
{
    /// <exception cref="ModelUnavailableException">No model is loaded.</exception>
    public BatchInference Run(IReadOnlyList<float[]> images)
    {
        using var lease = store.TryAcquire() ?? throw new ModelUnavailableException();
        return Run(images, lease);
    }

    /// <summary>The same, on the model of a lease the caller holds (the capsule explorer decodes on that model next).</summary>
    public BatchInference Run(IReadOnlyList<float[]> images, ModelLease lease)
    {
        var started = Stopwatch.GetTimestamp();
        var predictions = lease.Model.Classifier.Classify(images);
        var elapsed = Stopwatch.GetElapsedTime(started);
        metrics.RecordInference(images.Count, elapsed);
        return new BatchInference(lease.Model.Version, elapsed, predictions);
    }
}
