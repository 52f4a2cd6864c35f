namespace CapsNetService.Inference.Api.Options;

/// <summary>
/// Optional rate limiting per client IP address (ASP.NET Core's fixed-window limiter), bound from the
/// <c>RateLimiting</c> section and checked at start-up by <see cref="RateLimitOptionsValidator"/>. Off by default.
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
}
