namespace CapsNetService.Inference.Api.Hosting;

/// <summary>
/// Optional rate limiting per client IP address (ASP.NET Core's fixed-window limiter), bound from the
/// <c>RateLimiting</c> section and checked at start-up by <see cref="Validator"/>. Off by default.
/// When on, a client over its permits gets 429 problem+json with a Retry-After header; GET /health/* and /metrics
/// are never limited (probes and scrapers must get through). Behind a proxy every request comes from the proxy's
/// address: limit at the proxy instead, or make the proxy's forwarded address the connection's.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimiting";

    public bool Enabled { get; set; }

    /// <summary>Requests one client IP may make per window (default 120).</summary>
    public int PermitLimit { get; set; } = 120;

    /// <summary>The window's length in seconds (default 60).</summary>
    public double WindowSeconds { get; set; } = 60;

    /// <summary>Requests over the limit held in a queue until the next window instead of refused (default 0: refuse at once).</summary>
    public int QueueLimit { get; set; }

    /// <summary>Refuses to start with rate limits that cannot work, naming the key.</summary>
    public sealed class Validator : IValidateOptions<RateLimitOptions>
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
}
