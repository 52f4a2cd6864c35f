namespace CapsNetService.Inference.Api.Contracts;

/// <summary>A health report: Healthy (HTTP 200) or Unhealthy/Degraded (HTTP 503), with each check.</summary>
public sealed record HealthResponse(string Status, IReadOnlyList<HealthCheckResponse> Checks);

/// <summary>One health check's result.</summary>
public sealed record HealthCheckResponse(string Name, string Status, string? Description);
