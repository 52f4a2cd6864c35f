using CapsNetService.Inference.Api.Endpoints;
using CapsNetService.Inference.Api.OpenApi;
using CapsNetService.Inference.Api.Problems;
using Microsoft.Extensions.FileProviders;
using Prometheus;

namespace CapsNetService.Inference.Api.Hosting;

/// <summary>The middleware and the endpoints, in order.</summary>
public static class RequestPipeline
{
    /// <summary>The drawing page is embedded in the assembly, so it is served whatever the working directory.</summary>
    private const string PageNamespace = "CapsNetService.Inference.Api.wwwroot";

    public static WebApplication UseApplicationPipeline(this WebApplication app)
    {
        app.UseApiProblemDetails();
        app.UseApiCrossOrigin();
        app.UseApiRateLimiting();

        var page = new EmbeddedFileProvider(typeof(RequestPipeline).Assembly, PageNamespace);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = page });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = page });
        app.UseApiDocumentation();

        app.UseRouting();
        app.UseHttpMetrics();

        app.MapPredictionApi();
        app.MapExplorerApi();
        app.MapModelApi();
        app.MapHealthApi();
        app.MapMetrics();
        return app;
    }
}
