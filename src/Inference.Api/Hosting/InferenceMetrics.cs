using Prometheus;

namespace CapsNetService.Inference.Api.Hosting;

/// <summary>
/// The service's own Prometheus metrics, beside the HTTP ones of <c>UseHttpMetrics</c> (requests by endpoint and
/// status, and their durations). prometheus-net registers metrics once per process, by name.
/// </summary>
public sealed class InferenceMetrics
{
    public const string InferenceDurationName = "capsnet_inference_duration_seconds";
    public const string BatchSizeName = "capsnet_inference_batch_size";
    public const string ModelReloadsName = "capsnet_model_reloads_total";
    public const string ModelLoadedName = "capsnet_model_loaded";
    public const string ImagesRejectedName = "capsnet_images_rejected_total";
    public const string DecoderDurationName = "capsnet_decoder_duration_seconds";
    public const string DecoderBatchSizeName = "capsnet_decoder_batch_size";
    public const string BodiesRefusedName = "capsnet_request_bodies_refused_total";
    public const string DecodedPixelsName = "capsnet_decoded_pixels_total";

    private static readonly Histogram InferenceDuration = Prometheus.Metrics.CreateHistogram(InferenceDurationName,
        "Duration of one ONNX Runtime call of the classifier, in seconds (a batch is one call).",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 14) });

    private static readonly Histogram BatchSize = Prometheus.Metrics.CreateHistogram(BatchSizeName,
        "Images per ONNX Runtime call of the classifier.",
        new HistogramConfiguration { Buckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });

    private static readonly Histogram DecoderDuration = Prometheus.Metrics.CreateHistogram(DecoderDurationName,
        "Duration of one ONNX Runtime call of the decoder graph (POST /reconstruct, POST /explore), in seconds.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 14) });

    private static readonly Histogram DecoderBatchSize = Prometheus.Metrics.CreateHistogram(DecoderBatchSizeName,
        "Capsule sets per ONNX Runtime call of the decoder graph (POST /explore: 16 dimensions × steps in one call).",
        new HistogramConfiguration { Buckets = [1, 2, 4, 8, 16, 32, 64, 128, 176, 256, 336, 512] });

    private static readonly Counter ModelReloads = Prometheus.Metrics.CreateCounter(ModelReloadsName,
        "Models read from the models folder, by outcome: loaded (now serving) or rejected (the previous one kept serving).",
        new CounterConfiguration { LabelNames = ["outcome"] });

    private static readonly Gauge ModelLoaded = Prometheus.Metrics.CreateGauge(ModelLoadedName,
        "1 while a model is loaded and serving, 0 before.");

    private static readonly Counter ImagesRejected = Prometheus.Metrics.CreateCounter(ImagesRejectedName,
        "Uploaded images refused before inference, by reason.",
        new CounterConfiguration { LabelNames = ["reason"] });

    private static readonly Counter BodiesRefused = Prometheus.Metrics.CreateCounter(BodiesRefusedName,
        "Request bodies (uploads, JSON capsules) refused while being read: busy (no free slot) or timeout (too slow).",
        new CounterConfiguration { LabelNames = ["reason"] });

    private static readonly Counter DecodedPixels = Prometheus.Metrics.CreateCounter(DecodedPixelsName,
        "Pixels decoded from uploaded images (at the size decoded, before the 28×28 preprocessing): the decoding work done.");

    public InferenceMetrics()
    {
        // Publish the labelled series at zero so that rates and alerts work before the first event.
        ModelReloads.WithLabels("loaded");
        ModelReloads.WithLabels("rejected");
    }

    public void RecordInference(int images, TimeSpan elapsed)
    {
        InferenceDuration.Observe(elapsed.TotalSeconds);
        BatchSize.Observe(images);
    }

    public void RecordDecoding(int capsuleSets, TimeSpan elapsed)
    {
        DecoderDuration.Observe(elapsed.TotalSeconds);
        DecoderBatchSize.Observe(capsuleSets);
    }

    public void RecordReload(bool loaded) => ModelReloads.WithLabels(loaded ? "loaded" : "rejected").Inc();

    public void SetModelLoaded(bool loaded) => ModelLoaded.Set(loaded ? 1 : 0);

    /// <param name="reason">A short fixed word (blank, not_an_image, too_large, unsupported_type, empty_file).</param>
    public void RecordRejectedImage(string reason) => ImagesRejected.WithLabels(reason).Inc();

    public void RecordDecodedPixels(long pixels) => DecodedPixels.Inc(pixels);

    /// <param name="reason">busy or timeout.</param>
    public void RecordRefusedBody(string reason) => BodiesRefused.WithLabels(reason).Inc();
}
