namespace CapsNetService.Inference.Api;

/// <summary>What every model-backed endpoint does alike: the 503 while no model is loaded, the model-version
/// header, the <c>?format=</c> choice, and the one place where a thrown <see cref="ApiProblem"/> becomes problem+json.</summary>
public static class ApiConventions
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

    /// <summary>Reads <c>?format=json|png</c> (json when absent): true for png.</summary>
    /// <param name="png">What png returns here, for the problem's sentence.</param>
    /// <exception cref="ApiProblem">Another format.</exception>
    public static bool WantsPng(string? format, string png)
    {
        if (format is null || format.Equals("json", StringComparison.OrdinalIgnoreCase)) return false;
        if (format.Equals("png", StringComparison.OrdinalIgnoreCase)) return true;
        throw ApiProblem.UnknownFormat(format, png);
    }

    /// <summary>Only printable ASCII goes into a header; a version with anything else is left out rather than mangled.</summary>
    public static void SetModelVersionHeader(HttpContext context, string version)
    {
        if (version.All(c => c is >= ' ' and <= '~')) context.Response.Headers[ModelVersionHeader] = version;
    }

    /// <summary>503 + Retry-After while no model of <paramref name="kind"/> is loaded (before the body is read), and
    /// when the model goes away while the request runs; a refused request's <see cref="ApiProblem"/> as problem+json.</summary>
    public static RouteHandlerBuilder RequiresModel(this RouteHandlerBuilder builder, string kind = ModelKinds.Mnist) =>
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            var store = kind == ModelKinds.Mnist
                ? context.RequestServices.GetRequiredService<OnnxModelStore>()
                : context.RequestServices.GetRequiredKeyedService<OnnxModelStore>(kind);
            if (!store.IsLoaded) return ModelUnavailable(context, kind);
            try
            {
                return await next(invocation);
            }
            catch (ModelUnavailableException)
            {
                return ModelUnavailable(context, kind);
            }
            catch (ApiProblem problem)
            {
                if (problem.RetryAfterSeconds is { } seconds)
                    context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return problem.ToResult();
            }
        });

    public static RouteHandlerBuilder ProducesClientProblems(this RouteHandlerBuilder builder) => builder
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static ProblemHttpResult ModelUnavailable(HttpContext context, string kind)
    {
        context.Response.Headers.RetryAfter = RetryAfterSeconds;
        return (kind == ModelKinds.Mnist ? ApiProblem.ModelUnavailable() : ApiProblem.OverlappingModelUnavailable()).ToResult();
    }
}
