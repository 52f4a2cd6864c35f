using Microsoft.Extensions.Options;

namespace CapsNetService.Inference.Api.Options;

/// <summary>Refuses to start with rate limits that cannot work, naming the key.</summary>
public sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var failures = new List<string>();
        if (options.PermitLimit < 1)
            failures.Add($"RateLimiting:PermitLimit must be at least 1; got {options.PermitLimit}.");
        if (!(options.WindowSeconds is >= 0.1 and <= 86_400))
            failures.Add($"RateLimiting:WindowSeconds must be between 0.1 and 86400; got {options.WindowSeconds}.");
        if (options.QueueLimit < 0)
            failures.Add($"RateLimiting:QueueLimit must be 0 or more; got {options.QueueLimit}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
