using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.FileProviders;
using Prometheus;

namespace CapsNetService.Inference.Api.Hosting;

/// <summary>Everything the service is made of, wired in one place: its services, then the middleware and the
/// endpoints in order.</summary>
public static class Extensions
{
    /// <summary>Short command-line forms of the configuration keys people change most.</summary>
    public static readonly Dictionary<string, string> CommandLineSwitches = new()
    {
        ["--provider"] = "Inference:Provider",
        ["--precision"] = "Inference:Precision",
        ["--model-dir"] = "Inference:ModelDirectory",
        ["--threads"] = "Inference:IntraOpThreads",
        ["--max-batch"] = "Uploads:MaxBatchImages",
    };

    public const string RateLimitedName = "capsnet_requests_rate_limited_total";

    private static readonly Counter RateLimited = Prometheus.Metrics.CreateCounter(RateLimitedName,
        "Requests refused with 429 by the per-client rate limit (RateLimiting:Enabled).");

    /// <summary>The drawing page is embedded in the assembly, so it is served whatever the working directory.</summary>
    private const string PageNamespace = "CapsNetService.Inference.Api.wwwroot";

    public static WebApplicationBuilder AddApplicationServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Before any model is loaded: hot reloads must not grow the process (see NativeMemoryTuning).
        NativeMemoryTuning.Apply();

        services.AddValidatedOptions<InferenceOptions, InferenceOptions.Validator>(InferenceOptions.Section);
        services.AddValidatedOptions<UploadLimitsOptions, UploadLimitsOptions.Validator>(UploadLimitsOptions.Section);
        services.AddValidatedOptions<MicroBatchingOptions, MicroBatchingOptions.Validator>(MicroBatchingOptions.Section);
        services.AddValidatedOptions<CrossOriginOptions, CrossOriginOptions.Validator>(CrossOriginOptions.Section);
        services.AddValidatedOptions<RateLimitOptions, RateLimitOptions.Validator>(RateLimitOptions.Section);

        // The body limit holds for Kestrel as a whole and for the multipart reader (also under the test server).
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<UploadLimitsOptions>>((kestrel, limits) =>
        {
            kestrel.Limits.MaxRequestBodySize = limits.Value.MaxRequestBytes;
            kestrel.Limits.MaxConcurrentConnections = limits.Value.MaxConnections;
        });
        services.AddOptions<FormOptions>().Configure<IOptions<UploadLimitsOptions>>(
            (form, limits) => form.MultipartBodyLengthLimit = limits.Value.MaxRequestBytes);
        // No "Server: Kestrel" header: clients need not know what the service runs on.
        services.Configure<KestrelServerOptions>(kestrel => kestrel.AddServerHeader = false);

        // The model: found, loaded, checked, hot-reloaded, leased to requests through the one runner. The MNIST model
        // is the service's own (readiness waits for it); the overlapping-digits model, from the same folder, has a
        // store, reloader and watcher of its own, keyed by its kind, and one session factory for both.
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(provider => new OnnxModelStore(
            ModelDirectoryResolver.Resolve(provider.GetRequiredService<IOptions<InferenceOptions>>().Value)));
        services.AddKeyedSingleton(ModelKinds.MultiMnist, (provider, _) =>
            new OnnxModelStore(provider.GetRequiredService<OnnxModelStore>().Directory, ModelKindContract.MultiMnist));
        services.AddSingleton<OnnxSessionFactory>();
        services.AddSingleton<OnnxModelLoader>();
        services.AddSingleton<ModelReloader>();
        services.AddKeyedSingleton(ModelKinds.MultiMnist, (provider, kind) => ActivatorUtilities.CreateInstance<ModelReloader>(
            provider, provider.GetRequiredKeyedService<OnnxModelStore>(kind)));
        services.AddHostedService<ModelDirectoryWatcher>();
        services.AddSingleton<IHostedService>(provider => ActivatorUtilities.CreateInstance<ModelDirectoryWatcher>(provider,
            provider.GetRequiredKeyedService<ModelReloader>(ModelKinds.MultiMnist),
            provider.GetRequiredKeyedService<OnnxModelStore>(ModelKinds.MultiMnist)));
        services.AddSingleton<InferenceMetrics>();
        services.AddSingleton<InferenceRunner>();
        services.AddSingleton<MicroBatcher>();

        // The features.
        services.AddSingleton(provider => new DigitImagePreprocessor(
            provider.GetRequiredService<IOptions<UploadLimitsOptions>>().Value.ToPreprocessingLimits()));
        services.AddSingleton<BodyReadGuard>();
        services.AddSingleton<ImageUploadReader>();
        services.AddSingleton<PredictionPipeline>();
        services.AddSingleton<CapsuleExplorer>();

        services.AddHealthChecks()
                .AddCheck<ModelApi.ModelLoadedCheck>(ModelApi.ModelLoadedCheck.Name, tags: [ModelApi.ModelLoadedCheck.ReadyTag]);
        services.AddApiProblemDetails();
        services.AddApiCrossOrigin();
        services.AddApiRateLimiting();
        services.AddApiDocumentation();
        return builder;
    }

    public static WebApplication UseApplicationPipeline(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Kestrel's own refusals (body too large, bad framing) keep their 4xx; everything else is a 500.
            StatusCodeSelector = exception => exception is Microsoft.AspNetCore.Http.BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        // CORS only when origins are configured: otherwise there is no policy to apply, no
        // Access-Control-Allow-Origin is ever sent, and browsers keep other origins out.
        if (app.Services.GetRequiredService<IOptions<CrossOriginOptions>>().Value.Normalised().Length > 0)
            app.UseCors();
        if (app.Services.GetRequiredService<IOptions<RateLimitOptions>>().Value.Enabled)
            app.UseRateLimiter();

        var page = new EmbeddedFileProvider(typeof(Extensions).Assembly, PageNamespace);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = page });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = page });
        app.UseApiDocumentation();

        app.UseRouting();
        // The HTTP metrics label each request by its method: only methods from a fixed set may become a label value
        // (a client can send any token as a method, and each new one would be a new series). Around the metrics
        // middleware the method reads as its label; inside it, the endpoint and its problems see the real one.
        app.Use((context, next) => WithMethod(context, MetricsMethodLabel(context.Request.Method), next));
        app.UseHttpMetrics();
        app.Use((context, next) => WithMethod(context, context.Features.Get<OriginalMethod>()?.Method ?? context.Request.Method, next));

        app.MapPredictionApi();
        app.MapOverlappingApi();
        app.MapExplorerApi();
        app.MapModelApi();
        app.MapOpenInferenceApi();
        app.MapMetrics();
        return app;
    }

    private static readonly HashSet<string> KnownMethods =
        [HttpMethods.Get, HttpMethods.Head, HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete, HttpMethods.Patch,
         HttpMethods.Options, HttpMethods.Trace, HttpMethods.Connect];

    /// <summary>The method as the HTTP metrics label it: a standard method as is, anything else <c>other</c>.</summary>
    public static string MetricsMethodLabel(string method) => KnownMethods.Contains(method) ? method : "other";

    private sealed record OriginalMethod(string Method);

    /// <summary>Runs the rest of the pipeline with the request's method read as <paramref name="method"/>, and leaves
    /// it so on the way back (where the metrics middleware reads it again).</summary>
    private static async Task WithMethod(HttpContext context, string method, RequestDelegate next)
    {
        var original = context.Features.Get<OriginalMethod>()?.Method ?? context.Request.Method;
        context.Features.Set(new OriginalMethod(original));
        var outside = context.Request.Method;
        context.Request.Method = method;
        try
        {
            await next(context);
        }
        finally
        {
            context.Request.Method = outside;
        }
    }

    private static void AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
    }

    /// <summary>
    /// Makes every error problem+json: handlers throw <see cref="ApiProblem"/>; the status-code pages turn bare 404s
    /// and 405s into problems; the exception handler turns a request Kestrel refused (a body over the limit) into its
    /// 4xx, and anything unexpected into a 500 that says nothing about the code.
    /// </summary>
    private static void AddApiProblemDetails(this IServiceCollection services) =>
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

    /// <summary>CORS (<see cref="CrossOriginOptions"/>): closed unless origins are listed; then those origins (and
    /// only those) may call every endpoint from a browser with GET and POST and any request header, without credentials.</summary>
    private static void AddApiCrossOrigin(this IServiceCollection services)
    {
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<CrossOriginOptions>>((cors, allowed) =>
        {
            var origins = allowed.Value.Normalised();
            if (origins.Length > 0)
                cors.AddDefaultPolicy(policy => policy.WithOrigins(origins).WithMethods("GET", "POST").AllowAnyHeader()
                                                      .WithExposedHeaders(ApiConventions.ExposedHeaders));
        });
    }

    /// <summary>
    /// Optional rate limiting (<see cref="RateLimitOptions"/>): ASP.NET Core's limiter with a fixed window per client
    /// IP address, applied to every request except the health probes and the metrics scrape. A refused request gets
    /// 429 problem+json with Retry-After (seconds until the client's window opens again) and is counted in
    /// <c>capsnet_requests_rate_limited_total</c>.
    /// </summary>
    private static void AddApiRateLimiting(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, configured) =>
        {
            var limits = configured.Value;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                IsExemptFromRateLimit(context.Request.Path)
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
                await ApiProblem.RateLimited(seconds, limits.PermitLimit, limits.WindowSeconds).ToResult().ExecuteAsync(rejected.HttpContext);
            };
        });
    }

    private static bool IsExemptFromRateLimit(PathString path) =>
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/metrics", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/v2/health", StringComparison.OrdinalIgnoreCase);
}
