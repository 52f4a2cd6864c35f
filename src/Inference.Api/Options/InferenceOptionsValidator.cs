using Microsoft.Extensions.Options;

namespace CapsNetService.Inference.Api.Options;

/// <summary>Refuses to start with inference options that cannot work, naming the key and the accepted values.</summary>
public sealed class InferenceOptionsValidator : IValidateOptions<InferenceOptions>
{
    private static readonly string[] Providers = ["auto", "cuda", "cpu"];

    public ValidateOptionsResult Validate(string? name, InferenceOptions options)
    {
        var failures = new List<string>();
        if (!Providers.Contains(options.Provider?.Trim(), StringComparer.OrdinalIgnoreCase))
            failures.Add($"Inference:Provider (--provider) must be auto, cuda or cpu; got '{options.Provider}'.");
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
