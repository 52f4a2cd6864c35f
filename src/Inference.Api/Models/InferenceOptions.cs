namespace CapsNetService.Inference.Api.Models;

/// <summary>
/// How the model is found and run. Bound from the <c>Inference</c> configuration section; the command line
/// has short forms (<c>--provider</c>, <c>--precision</c>, <c>--model-dir</c>, <c>--threads</c>, see <see cref="Extensions.CommandLineSwitches"/>).
/// Checked at start-up by <see cref="Validator"/>.
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

    /// <summary><c>auto</c> (default: the int8 graph capsnet.int8.onnx on the CPU provider when it is there and its metadata
    /// says it passed its accuracy check, else float32; always float32 on CUDA), <c>fp32</c> or <c>int8</c> (the int8
    /// graph on the CPU provider, or no model). The decoder graph is float32 in every case.</summary>
    public string Precision { get; set; } = "auto";

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

    /// <summary>The parsed <see cref="Precision"/>; valid once the options passed validation.</summary>
    public ModelPrecision PrecisionPreference =>
        Enum.TryParse<ModelPrecision>(Precision, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
            ? parsed
            : throw new InvalidOperationException($"Inference:Precision '{Precision}' is not auto, fp32 or int8.");

    /// <summary>Refuses to start with inference options that cannot work, naming the key and the accepted values.</summary>
    public sealed class Validator : IValidateOptions<InferenceOptions>
    {
        private static readonly string[] Providers = ["auto", "cuda", "cpu"];
        private static readonly string[] Precisions = ["auto", "fp32", "int8"];

        public ValidateOptionsResult Validate(string? name, InferenceOptions options)
        {
            var failures = new List<string>();
            if (!Providers.Contains(options.Provider?.Trim(), StringComparer.OrdinalIgnoreCase))
                failures.Add($"Inference:Provider (--provider) must be auto, cuda or cpu; got '{options.Provider}'.");
            if (!Precisions.Contains(options.Precision?.Trim(), StringComparer.OrdinalIgnoreCase))
                failures.Add($"Inference:Precision (--precision) must be auto, fp32 or int8; got '{options.Precision}'.");
            else if (options.Precision!.Trim().Equals("int8", StringComparison.OrdinalIgnoreCase)
                     && options.Provider?.Trim().Equals("cuda", StringComparison.OrdinalIgnoreCase) == true)
                failures.Add("Inference:Precision=int8 runs on the CPU provider; it cannot be combined with Inference:Provider=cuda.");
            if (options.IntraOpThreads is < 0 or > 1024)
                failures.Add($"Inference:IntraOpThreads (--threads) must be between 0 (let ONNX Runtime choose) and 1024; got {options.IntraOpThreads}.");
            if (options.CudaDeviceId < 0)
                failures.Add($"Inference:CudaDeviceId must be 0 or more; got {options.CudaDeviceId}.");
            if (!(options.ReloadPollSeconds is >= 0.1 and <= 3600))
                failures.Add($"Inference:ReloadPollSeconds must be between 0.1 and 3600 seconds; got {options.ReloadPollSeconds}.");
            if (options.ModelDirectory is { Length: > 0 } directory && directory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
                failures.Add("Inference:ModelDirectory (--model-dir) contains characters that are not allowed in a path.");
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}

/// <summary>Which ONNX Runtime execution provider the service asks for (<c>Inference:Provider</c>, <c>--provider</c>).</summary>
public enum ExecutionProviderPreference
{
    /// <summary>Try CUDA; when it cannot be used, fall back to the CPU and log why.</summary>
    Auto,

    /// <summary>CUDA only: a model that cannot be put on the GPU is not loaded (and /model says why).</summary>
    Cuda,

    /// <summary>CPU only; CUDA is never tried.</summary>
    Cpu,
}

/// <summary>Which classifier graph the service runs (<c>Inference:Precision</c>, <c>--precision</c>).</summary>
public enum ModelPrecision
{
    /// <summary>int8 on the CPU provider when the int8 graph is there and passed its check; float32 otherwise (log line).</summary>
    Auto,

    /// <summary>The float32 graph only.</summary>
    Fp32,

    /// <summary>The int8 graph on the CPU provider; a missing or unchecked int8 graph is not served (and /model says why).</summary>
    Int8,
}
