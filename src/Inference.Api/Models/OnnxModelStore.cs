namespace CapsNetService.Inference.Api.Models;

/// <summary>
/// Holds the model that serves requests and swaps in a newer one atomically. A request takes a
/// <see cref="ModelLease"/> and runs on that model to the end; the store drops its own reference to a replaced model,
/// whose sessions are disposed when its last lease is returned. Also keeps the reload history shown by GET /model.
/// One store per model kind (<see cref="ModelKindContract"/>): the MNIST store is the service's own, the overlapping
/// digits' store is the keyed service <see cref="ModelKinds.MultiMnist"/>.
/// </summary>
public sealed class OnnxModelStore : IDisposable
{
    private readonly Lock _statusLock = new();
    private LoadedModel? _current;
    private ModelReloadStatus _status = new(null, null, null, 0, 0);

    /// <param name="kind">The kind of model the store holds; null: MNIST.</param>
    public OnnxModelStore(string directory, ModelKindContract? kind = null)
    {
        Directory = directory;
        Kind = kind ?? ModelKindContract.Mnist;
    }

    public ModelKindContract Kind { get; }

    /// <summary>The folder watched for models (absolute). Not shown to clients.</summary>
    public string Directory { get; }

    /// <summary>The serving model, for describing it; run requests through <see cref="TryAcquire"/>.</summary>
    public LoadedModel? Current => Volatile.Read(ref _current);

    public bool IsLoaded => Current is not null;

    public ModelReloadStatus ReloadStatus
    {
        get { lock (_statusLock) return _status; }
    }

    /// <summary>A lease on the serving model, or null when none is loaded.</summary>
    public ModelLease? TryAcquire()
    {
        while (true)
        {
            var model = Volatile.Read(ref _current);
            if (model is null) return null;
            if (model.TryAddReference()) return new ModelLease(model);
            // The model was replaced and released between the read and the reference: read the new one.
        }
    }

    /// <summary>Makes <paramref name="model"/> the serving model; the previous one is released once idle.</summary>
    public void Install(LoadedModel model)
    {
        var previous = Interlocked.Exchange(ref _current, model);
        lock (_statusLock)
            _status = _status with { LastAttemptAt = model.LoadedAt, LastOutcome = "loaded", Loaded = _status.Loaded + 1 };
        previous?.Release();
    }

    public void RecordRejection(ModelRejection rejection)
    {
        lock (_statusLock)
            _status = _status with
            {
                LastAttemptAt = rejection.At, LastOutcome = "rejected", LastRejection = rejection, Rejected = _status.Rejected + 1,
            };
    }

    /// <summary>Records a look that changed nothing (<c>unchanged</c>, or <c>missing</c> when there is no file).</summary>
    public void RecordNoChange(DateTimeOffset at, string outcome)
    {
        lock (_statusLock) _status = _status with { LastAttemptAt = at, LastOutcome = outcome };
    }

    public void Dispose() => Interlocked.Exchange(ref _current, null)?.Release();
}

/// <summary>What happened at the last look at the models folder, and the last refusal (kept until the next one).</summary>
/// <param name="LastOutcome"><c>loaded</c>, <c>rejected</c>, <c>unchanged</c> or <c>missing</c>.</param>
public sealed record ModelReloadStatus(
    DateTimeOffset? LastAttemptAt, string? LastOutcome, ModelRejection? LastRejection, int Loaded, int Rejected);

/// <summary>A published model the service refused, and why.</summary>
/// <param name="File">The file that triggered the reload (capsnet.onnx), by name only.</param>
/// <param name="Sha256">The SHA-256 of that file as it was read, or null when it could not be read.</param>
public sealed record ModelRejection(DateTimeOffset At, string File, string? Sha256, string Reason);

/// <summary>No model of a kind is loaded (none was published yet, or every one published was rejected).</summary>
public sealed class ModelUnavailableException()
    : Exception("No model is loaded: none has been published yet, or every published file was rejected (see GET /model).");
