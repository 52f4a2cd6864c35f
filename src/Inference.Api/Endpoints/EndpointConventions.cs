using CapsNetService.Inference.Api.Inference;
using CapsNetService.Inference.Api.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CapsNetService.Inference.Api.Endpoints;

/// <summary>What every model-backed endpoint does alike: the 503 while no model is loaded, the model-version
/// header, and the client errors it documents.</summary>
public static class EndpointConventions
{
    private const string RetryAfterSeconds = "10";

    public const string ModelVersionHeader = "X-Model-Version";
    public const string PredictedDigitHeader = "X-Predicted-Digit";
    public const string ReconstructedDigitHeader = "X-Reconstructed-Digit";
    public const string ExploredDigitHeader = "X-Explored-Digit";
    public const string PerturbationOffsetsHeader = "X-Perturbation-Offsets";

    /// <summary>The response headers a page on another (allowed) origin may read.</summary>
    public static readonly string[] ExposedHeaders =
        [ModelVersionHeader, PredictedDigitHeader, ReconstructedDigitHeader, ExploredDigitHeader, PerturbationOffsetsHeader, "Retry-After"];

    public const string ReconstructionPng = "the reconstruction as image/png";

    /// <summary>Reads <c>?format=json|png</c> (json when absent); <paramref name="png"/> says what png returns here.</summary>
    public static bool TryReadFormat(string? format, string png, out bool asPng, out ProblemHttpResult problem)
    {
        asPng = format is not null && format.Equals("png", StringComparison.OrdinalIgnoreCase);
        problem = null!;
        if (format is null || asPng || format.Equals("json", StringComparison.OrdinalIgnoreCase)) return true;
        problem = ApiProblems.UnknownFormat(format, png);
        return false;
    }

    public static ProblemHttpResult ModelUnavailable(HttpContext context)
    {
        context.Response.Headers.RetryAfter = RetryAfterSeconds;
        return ApiProblems.ModelUnavailable();
    }

    /// <summary>Only printable ASCII goes into a header; a version with anything else is left out rather than mangled.</summary>
    public static void SetModelVersionHeader(HttpContext context, string version)
    {
        if (version.All(c => c is >= ' ' and <= '~')) context.Response.Headers[ModelVersionHeader] = version;
    }

    /// <summary>503 + Retry-After while no model is loaded (before the body is read), and when the model goes away
    /// while the request runs.</summary>
    public static RouteHandlerBuilder RequiresModel(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            if (!context.RequestServices.GetRequiredService<OnnxModelStore>().IsLoaded) return ModelUnavailable(context);
            try
            {
                return await next(invocation);
            }
            catch (ModelUnavailableException)
            {
                return ModelUnavailable(context);
            }
        });

    public static RouteHandlerBuilder ProducesClientProblems(this RouteHandlerBuilder builder) => builder
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}
