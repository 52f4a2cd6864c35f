using CapsNetService.Inference.Api.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CapsNetService.Inference.Api.Endpoints;

/// <summary>What every model-backed endpoint does alike: the 503 while no model is loaded, the model-version
/// header, and the client errors it documents.</summary>
internal static class EndpointConventions
{
    private const string RetryAfterSeconds = "10";

    public static ProblemHttpResult ModelUnavailable(HttpContext context)
    {
        context.Response.Headers.RetryAfter = RetryAfterSeconds;
        return ApiProblems.ModelUnavailable();
    }

    /// <summary>Only printable ASCII goes into a header; a version with anything else is left out rather than mangled.</summary>
    public static void SetModelVersionHeader(HttpContext context, string version)
    {
        if (version.All(c => c is >= ' ' and <= '~')) context.Response.Headers["X-Model-Version"] = version;
    }

    public static RouteHandlerBuilder ProducesClientProblems(this RouteHandlerBuilder builder) => builder
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}
