using System.Globalization;
using System.Threading.RateLimiting;
using CapsNetService.Inference.Api.Options;
using CapsNetService.Inference.Api.Problems;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Prometheus;

namespace CapsNetService.Inference.Api.Hosting;

/// <summary>
/// Optional rate limiting (<see cref="RateLimitOptions"/>): ASP.NET Core's limiter with a fixed window per client IP
/// address, applied to every request except the health probes and the metrics scrape. A refused request gets
/// 429 problem+json with Retry-After (seconds until the client's window opens again) and is counted in
/// <c>capsnet_requests_rate_limited_total</c>.
/// </summary>
public static class RateLimitingSetup
{
    public const string RateLimitedName = "capsnet_requests_rate_limited_total";

    private static readonly Counter RateLimited = Prometheus.Metrics.CreateCounter(RateLimitedName,
        "Requests refused with 429 by the per-client rate limit (RateLimiting:Enabled).");

    public static IServiceCollection AddApiRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, configured) =>
        {
            var limits = configured.Value;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                IsExempt(context.Request.Path)
                    ? RateLimitPartition.GetNoLimiter("exempt")
                    : RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                        _ => new FixedWindowRateLimiterOptions
                        {
                            PermitLimit = limits.PermitLimit,
                            Window = TimeSpan.FromSeconds(limits.WindowSeconds),
                            QueueLimit = limits.QueueLimit,
                            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                        }));
            limiter.OnRejected = async (rejected, _) =>
            {
                RateLimited.Inc();
                int seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
                    : Math.Max(1, (int)Math.Ceiling(limits.WindowSeconds));
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await ApiProblems.RateLimited(seconds, limits.PermitLimit, limits.WindowSeconds).ExecuteAsync(rejected.HttpContext);
            };
        });
        return services;
    }

    /// <summary>Adds the limiter only when <c>RateLimiting:Enabled</c> is true.</summary>
    public static IApplicationBuilder UseApiRateLimiting(this IApplicationBuilder app)
    {
        if (app.ApplicationServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.Enabled)
            app.UseRateLimiter();
        return app;
    }

    private static bool IsExempt(PathString path) =>
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/metrics", StringComparison.OrdinalIgnoreCase);
}
