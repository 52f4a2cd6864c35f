using Microsoft.Extensions.Options;

namespace CapsNetService.Inference.Api.Options;

/// <summary>Refuses to start with micro-batching options that cannot work, naming the key.</summary>
public sealed class MicroBatchingOptionsValidator : IValidateOptions<MicroBatchingOptions>
{
    public const int LargestBatch = 1024;
    public const double LongestDelayMilliseconds = 1000;

    public ValidateOptionsResult Validate(string? name, MicroBatchingOptions options)
    {
        var failures = new List<string>();
        if (options.MaxBatchSize is < 1 or > LargestBatch)
            failures.Add($"Inference:Batching:MaxBatchSize must be between 1 and {LargestBatch}; got {options.MaxBatchSize}.");
        if (!(options.MaxDelayMilliseconds is >= 0 and <= LongestDelayMilliseconds))
            failures.Add($"Inference:Batching:MaxDelayMilliseconds must be between 0 and {LongestDelayMilliseconds} ms; got {options.MaxDelayMilliseconds}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
