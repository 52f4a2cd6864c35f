
namespace CapsNetService.Inference.Api.Models;

/// <summary>
/// A checked model pair loaded into ONNX Runtime, with what it says about itself. Reference counted: the
/// <see cref="OnnxModelStore"/> holds one reference while the model is current and each request holds one through a
/// <see cref="ModelLease"/>; the sessions are disposed when the last reference goes, so a request that started on a
/// model finishes on it even when a newer one is swapped in meanwhile.
/// </summary>
public sealed class LoadedModel
{
    private int _references = 1;

    public LoadedModel(CapsNetClassifier classifier, CapsNetDecoder decoder, ModelMetadata metadata,
                       ModelFile classifierFile, ModelFile decoderFile, string executionProvider,
                       string? providerFallbackReason, DateTimeOffset loadedAt, TimeSpan loadDuration,
                       ModelFile? int8File = null, bool int8Serves = false, string? precisionFallbackReason = null)
    {
        Int8File = int8File is null ? null : new ModelFileSummary(int8File.Name, int8File.Sha256, int8File.Length);
        Precision = int8Serves ? "int8" : "fp32";
        PrecisionFallbackReason = precisionFallbackReason;
        Classifier = classifier;
        Decoder = decoder;
        Metadata = metadata;
        ClassifierFile = new ModelFileSummary(classifierFile.Name, classifierFile.Sha256, classifierFile.Length);
        DecoderFile = new ModelFileSummary(decoderFile.Name, decoderFile.Sha256, decoderFile.Length);
        ExecutionProvider = executionProvider;
        ProviderFallbackReason = providerFallbackReason;
        LoadedAt = loadedAt;
        LoadDuration = loadDuration;
    }

    public CapsNetClassifier Classifier { get; }
    public CapsNetDecoder Decoder { get; }
    public ModelMetadata Metadata { get; }
    public string Version => Metadata.ModelVersion;
    public ModelFileSummary ClassifierFile { get; }
    public ModelFileSummary DecoderFile { get; }
    public string ExecutionProvider { get; }
    public string? ProviderFallbackReason { get; }
    /// <summary>The int8 classifier file the model was loaded with (serving or not, see <see cref="Precision"/>); null when
    /// there was none or it was not looked at (<c>Inference:Precision=fp32</c>).</summary>
    public ModelFileSummary? Int8File { get; }
    /// <summary><c>int8</c> or <c>fp32</c>: the classifier graph that runs (the decoder is always float32).</summary>
    public string Precision { get; }
    /// <summary>Why the float32 graph runs although Inference:Precision=auto would take the int8 one; null otherwise.</summary>
    public string? PrecisionFallbackReason { get; }
    public DateTimeOffset LoadedAt { get; }
    public TimeSpan LoadDuration { get; }

    /// <summary>True once the last reference went and the sessions were disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _references) == 0;

    /// <summary>Takes a reference unless the model has already been released by everyone.</summary>
    internal bool TryAddReference()
    {
        while (true)
        {
            int current = Volatile.Read(ref _references);
            if (current == 0) return false;
            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current) return true;
        }
    }

    internal void Release()
    {
        int remaining = Interlocked.Decrement(ref _references);
        if (remaining == 0)
        {
            Classifier.Dispose();
            Decoder.Dispose();
        }
        else if (remaining < 0)
        {
            throw new InvalidOperationException("a model was released more often than it was referenced");
        }
    }
}

/// <summary>A loaded file's name, SHA-256 and size.</summary>
public sealed record ModelFileSummary(string Name, string Sha256, long Bytes);

/// <summary>A request's hold on the model it runs on; dispose it when the request no longer needs the model.</summary>
public sealed class ModelLease : IDisposable
{
    private int _released;

    internal ModelLease(LoadedModel model) => Model = model;

    public LoadedModel Model { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) Model.Release();
    }
}
