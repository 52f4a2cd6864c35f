using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;

namespace CapsNetService.Inference.Api.Problems;

/// <summary>
/// Makes every error problem+json: handlers return <see cref="ApiProblems"/>; the status-code pages turn bare 404s
/// and 405s into problems; the exception handler turns a request Kestrel refused (a body over the limit) into its
/// 4xx, and anything unexpected into a 500 that says nothing about the code.
/// </summary>
public static class ProblemDetailsSetup
{
    public static IServiceCollection AddApiProblemDetails(this IServiceCollection services) =>
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var http = context.HttpContext;
            problem.Extensions.TryAdd("traceId", Activity.Current?.Id ?? http.TraceIdentifier);
            if (problem.Detail is not null) return;
            problem.Detail = problem.Status switch
            {
                StatusCodes.Status404NotFound => "There is nothing at this address. The API is described at /swagger.",
                StatusCodes.Status405MethodNotAllowed => $"{http.Request.Method} is not allowed here. The API is described at /swagger.",
                StatusCodes.Status413PayloadTooLarge => "The request body is larger than the service accepts.",
                StatusCodes.Status415UnsupportedMediaType => "The request's Content-Type is not one this endpoint accepts.",
                >= 400 and < 500 => "The request could not be processed as sent.",
                _ => "An unexpected error occurred on the server; it has been logged.",
            };
        });

    public static IApplicationBuilder UseApiProblemDetails(this IApplicationBuilder app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Kestrel's own refusals (body too large, bad framing) keep their 4xx; everything else is a 500.
            StatusCodeSelector = exception => exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        return app;
    }
}
