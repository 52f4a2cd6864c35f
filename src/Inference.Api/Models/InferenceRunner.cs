namespace CapsNetService.Inference.Api.Models;

/// <summary>
/// The one way requests reach the model: a lease on the serving model (<see cref="Acquire()"/>), and the timed, counted
/// ONNX Runtime calls on it. The micro-batcher, the batch endpoint and the capsule explorer all go through here, so a
/// request that runs the classifier and then the decoder does both on the model it leased.
/// </summary>
public sealed class InferenceRunner(OnnxModelStore store, InferenceMetrics metrics)
{
    /// <summary>A lease on the serving model; dispose it when the request no longer needs the model.</summary>
    /// <exception cref="ModelUnavailableException">No model is loaded.</exception>
    public ModelLease Acquire() => Acquire(store);

    /// <summary>A lease on the model <paramref name="kindStore"/> serves (another kind's store).</summary>
    /// <exception cref="ModelUnavailableException">That store holds no model.</exception>
    public static ModelLease Acquire(OnnxModelStore kindStore) => kindStore.TryAcquire() ?? throw new ModelUnavailableException();

    /// <summary>Runs preprocessed images through the leased model's classifier as one ONNX Runtime call and times it.</summary>
    /// <param name="images">Each <see cref="ModelContract.ImagePixels"/> values, white digit on black, in [0, 1].</param>
    public BatchInference Classify(IReadOnlyList<float[]> images, ModelLease lease)
    {
        var started = Stopwatch.GetTimestamp();
        var predictions = lease.Model.Classifier.Classify(images);
        var elapsed = Stopwatch.GetElapsedTime(started);
        metrics.RecordInference(images.Count, elapsed);
        // The Open Inference Protocol serves the MNIST model only; its statistics count that model's calls.
        if (lease.Model.Classifier.Kind.Kind == ModelKinds.Mnist)
            OpenInferenceMetrics.RecordExecution(lease.Model.Version, images.Count);
        return new BatchInference(lease.Model.Version, elapsed, predictions);
    }

    /// <summary>Decodes <paramref name="count"/> capsule sets on the leased model's decoder in one call (see
    /// <see cref="CapsNetDecoder.Decode(float[], float[], int)"/>) and returns the call's time.</summary>
    public TimeSpan Decode(ModelLease lease, float[] capsules, float[] pixels, int count)
    {
        var started = Stopwatch.GetTimestamp();
        lease.Model.Decoder.Decode(capsules, pixels, count);
        var elapsed = Stopwatch.GetElapsedTime(started);
        metrics.RecordDecoding(count, elapsed);
        return elapsed;
    }

    /// <summary>The predictions for a batch, in input order, with the model that made them and the time of the call.</summary>
    public sealed record BatchInference(string ModelVersion, TimeSpan Elapsed, IReadOnlyList<DigitPrediction> Predictions);
}
