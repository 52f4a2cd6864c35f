namespace CapsNetService.Inference.Api.Options;

/// <summary>
/// How the model is found and run. Bound from the <c>Inference</c> configuration section; the command line
/// has short forms (<c>--provider</c>, <c>--model-dir</c>, <c>--threads</c>, see <see cref="Hosting.CommandLineSwitches"/>).
/// Checked at start-up by <see cref="InferenceOptionsValidator"/>.
/// </summary>
public sealed class InferenceOptions
{
    public const string Section = "Inference";

    /// <summary><c>auto</c> (default: CUDA, else CPU), <c>cuda</c> or <c>cpu</c>.</summary>
    public string Provider { get; set; } = "auto";

    /// <summary>The folder holding capsnet.onnx, capsnet.decoder.onnx and capsnet.json. Empty (default): see
    /// <see cref="ModelDirectoryResolver"/> (models/ beside a published app, else the repository's models/).</summary>
    public string? ModelDirectory { get; set; }

    /// <summary>Threads ONNX Runtime may use inside one operator; 0 (default) lets it choose (one per physical core).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Whether ONNX Runtime's idle intra-op threads spin (busy-wait) for the next piece of work before they
    /// sleep (<c>session.intra_op.allow_spinning</c>).</summary>
    public bool AllowSpinning { get; set; } = true;

    /// <summary>The GPU used by the CUDA execution provider (default 0).</summary>
    public int CudaDeviceId { get; set; }

    /// <summary>How often, in seconds, the model folder is checked for a new capsnet.onnx besides the file-system
    /// watcher, which misses events on some volumes (default 5).</summary>
    public double ReloadPollSeconds { get; set; } = 5;

    /// <summary>The parsed <see cref="Provider"/>; valid once the options passed validation.</summary>
    public ExecutionProviderPreference ProviderPreference =>
        Enum.TryParse<ExecutionProviderPreference>(Provider, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
            ? parsed
            : throw new InvalidOperationException($"Inference:Provider '{Provider}' is not auto, cuda or cpu.");
}
