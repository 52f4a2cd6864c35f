using CapsNetService.Inference.Api.Contracts;
using CapsNetService.Inference.Api.Health;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CapsNetService.Inference.Api.Endpoints;

/// <summary>
/// GET /health/live (the process answers) and GET /health/ready (a model is loaded), run by ASP.NET Core's
/// <see cref="HealthCheckService"/>: 200 when healthy, 503 otherwise, with a small JSON report either way.
/// </summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/health").WithTags("Health");
        group.MapGet("/live", Live)
             .WithName("Live")
             .WithSummary("Liveness: the process is up and answering.")
             .Produces<HealthResponse>(StatusCodes.Status200OK);
        group.MapGet("/ready", Ready)
             .WithName("Ready")
             .WithSummary("Readiness: 200 while a model is loaded and serving, 503 before.")
             .Produces<HealthResponse>(StatusCodes.Status200OK)
             .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<JsonHttpResult<HealthResponse>> Live(HealthCheckService health, CancellationToken cancellationToken) =>
        ToResult(await health.CheckHealthAsync(_ => false, cancellationToken));

    public static async Task<JsonHttpResult<HealthResponse>> Ready(HealthCheckService health, CancellationToken cancellationToken) =>
        ToResult(await health.CheckHealthAsync(check => check.Tags.Contains(ModelLoadedHealthCheck.ReadyTag), cancellationToken));

    private static JsonHttpResult<HealthResponse> ToResult(HealthReport report)
    {
        var body = new HealthResponse(report.Status.ToString(),
            report.Entries.Select(e => new HealthCheckResponse(e.Key, e.Value.Status.ToString(), e.Value.Description)).ToList());
        return TypedResults.Json(body, statusCode: report.Status == HealthStatus.Healthy
            ? StatusCodes.Status200OK
            : StatusCodes.Status503ServiceUnavailable);
    }
}
