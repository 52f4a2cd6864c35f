
namespace CapsNetService.Inference.Api.Models;

/// <summary>
/// Loads what the models folder holds now for its store's kind (one reloader per kind), one reload at a time, and either installs it in the
/// <see cref="OnnxModelStore"/> or records why it was refused (the serving model is then left alone). A pair whose
/// bytes equal the serving model's, or the last refused pair's, is not loaded again.
/// </summary>
public sealed class ModelReloader(
    OnnxModelLoader loader, OnnxModelStore store, InferenceMetrics metrics, TimeProvider clock, ILogger<ModelReloader> logger)
    : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _lastRejectedPair;

    /// <param name="trigger">Why the folder is looked at (for the log).</param>
    /// <returns>The outcome: <c>loaded</c>, <c>rejected</c>, <c>unchanged</c> or <c>missing</c>.</returns>
    public async Task<string> ReloadAsync(string trigger, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Reading and checking a model is CPU-bound work of a second or so: keep it off the caller's thread.
            return await Task.Run(() => Reload(trigger), CancellationToken.None);
        }
        finally
        {
            _gate.Release();
        }
    }

    private string Reload(string trigger)
    {
        var now = clock.GetUtcNow();
        var kind = store.Kind;
        if (!File.Exists(Path.Combine(store.Directory, kind.ModelFileName)))
        {
            store.RecordNoChange(now, "missing");
            if (store.Current is { } serving)
                logger.LogWarning("{File} is gone from {Directory}; model {Version} keeps serving",
                    kind.ModelFileName, store.Directory, serving.Version);
            else if (IsMnist)
                logger.LogWarning("No model in {Directory} ({File} not found); the service is not ready until one is published",
                    store.Directory, kind.ModelFileName);
            else
                logger.LogInformation("No {Kind} model in {Directory} ({File} not found); its endpoint answers 503 until one is published",
                    kind.Kind, store.Directory, kind.ModelFileName);
            return "missing";
        }

        ModelFile classifier, decoder;
        PublishedFileHashes? recorded;
        Int8Candidate? int8;
        try
        {
            (classifier, decoder, recorded) = OnnxModelLoader.ReadFiles(store.Directory, kind);
            int8 = loader.ReadInt8(store.Directory, kind);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Reject(now, null, AsRejection(e));
            return "rejected";
        }

        // The int8 file counts too: one written beside a serving model (or removed) is a change.
        var pair = classifier.Sha256 + "+" + decoder.Sha256 + "+" + int8?.File?.Sha256;
        var current = store.Current;
        if ((current is not null && current.ClassifierFile.Sha256 == classifier.Sha256 && current.DecoderFile.Sha256 == decoder.Sha256
             && current.Int8File?.Sha256 == int8?.File?.Sha256)
            || pair == _lastRejectedPair)
        {
            store.RecordNoChange(now, "unchanged");
            return "unchanged";
        }

        logger.LogInformation("Loading {File} ({Sha256}) from {Directory} ({Trigger})",
            classifier.Name, classifier.Sha256[..12], store.Directory, trigger);
        try
        {
            var model = loader.Load(classifier, decoder, kind, int8, recorded);
            store.Install(model);
            metrics.RecordReload(loaded: true);
            // The gauge is the readiness model's: the MNIST one.
            if (IsMnist) metrics.SetModelLoaded(true);
            logger.LogInformation(
                "Model {Version} is serving on {Provider}, {Precision} (loaded and checked in {Milliseconds:F0} ms){Replaced}",
                model.Version, model.ExecutionProvider, model.Precision, model.LoadDuration.TotalMilliseconds,
                current is null ? "" : $"; replaced {current.Version}");
            _lastRejectedPair = null;
            return "loaded";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _lastRejectedPair = pair;
            Reject(now, classifier.Sha256, AsRejection(e));
            return "rejected";
        }
    }

    private bool IsMnist => store.Kind.Kind == ModelKinds.Mnist;

    /// <summary>Whatever went wrong with a published file (ONNX Runtime errors included) is a rejection of that file:
    /// it must neither stop the service nor the watcher.</summary>
    private static ModelRejectedException AsRejection(Exception e) =>
        e as ModelRejectedException ?? new ModelRejectedException($"the model could not be loaded ({e.GetType().Name}: {e.Message})", e);

    private void Reject(DateTimeOffset at, string? sha256, ModelRejectedException e)
    {
        store.RecordRejection(new ModelRejection(at, store.Kind.ModelFileName, sha256, e.Message));
        metrics.RecordReload(loaded: false);
        if (store.Current is { } serving)
            logger.LogWarning("Rejected the published {File}, {Version} keeps serving: {Reason}", store.Kind.ModelFileName, serving.Version, e.Message);
        else
            logger.LogWarning("Rejected the published {File}; no {Kind} model is serving: {Reason}", store.Kind.ModelFileName, store.Kind.Kind, e.Message);
    }

    public void Dispose() => _gate.Dispose();
}
