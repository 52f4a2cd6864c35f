using CapsNetService.Inference.Api.Inference;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CapsNetService.Inference.Api.Health;

/// <summary>Ready while a model is loaded and serving; unhealthy before (none published yet, or all rejected).</summary>
public sealed class ModelLoadedHealthCheck(OnnxModelStore store) : IHealthCheck
{
    public const string Name = "model";
    public const string ReadyTag = "ready";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(store.Current is { } model
            ? HealthCheckResult.Healthy($"model {model.Version} is serving on {model.ExecutionProvider}")
            : HealthCheckResult.Unhealthy("no model is loaded; GET /model says why"));
}
