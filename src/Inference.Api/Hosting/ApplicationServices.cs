using CapsNetService.Common.Imaging;
using CapsNetService.Inference.Api.Exploration;
using CapsNetService.Inference.Api.Health;
using CapsNetService.Inference.Api.Inference;
using CapsNetService.Inference.Api.Metrics;
using CapsNetService.Inference.Api.OpenApi;
using CapsNetService.Inference.Api.Options;
using CapsNetService.Inference.Api.Prediction;
using CapsNetService.Inference.Api.Problems;
using CapsNetService.Inference.Api.Uploads;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace CapsNetService.Inference.Api.Hosting;

/// <summary>Everything the service is made of, wired in one place.</summary>
public static class ApplicationServices
{
    public static WebApplicationBuilder AddApplicationServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Before any model is loaded: hot reloads must not grow the process (see NativeMemoryTuning).
        NativeMemoryTuning.Apply();

        services.AddOptions<InferenceOptions>().Bind(builder.Configuration.GetSection(InferenceOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<InferenceOptions>, InferenceOptionsValidator>();
        services.AddOptions<UploadLimitsOptions>().Bind(builder.Configuration.GetSection(UploadLimitsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<UploadLimitsOptions>, UploadLimitsOptionsValidator>();

        // The body limit holds for Kestrel as a whole and for the multipart reader (also under the test server).
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<UploadLimitsOptions>>(
            (kestrel, limits) => kestrel.Limits.MaxRequestBodySize = limits.Value.MaxRequestBytes);
        services.AddOptions<FormOptions>().Configure<IOptions<UploadLimitsOptions>>(
            (form, limits) => form.MultipartBodyLengthLimit = limits.Value.MaxRequestBytes);
        // No "Server: Kestrel" header: clients need not know what the service runs on.
        services.Configure<KestrelServerOptions>(kestrel => kestrel.AddServerHeader = false);

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(provider => new OnnxModelStore(
            ModelDirectoryResolver.Resolve(provider.GetRequiredService<IOptions<InferenceOptions>>().Value)));
        services.AddSingleton<OnnxSessionFactory>();
        services.AddSingleton<OnnxModelLoader>();
        services.AddSingleton<ModelReloader>();
        services.AddHostedService<ModelDirectoryWatcher>();
        services.AddSingleton<InferenceMetrics>();
        services.AddSingleton<InferenceRunner>();
        // POST /predict's micro-batching (Inference:Batching, on by default: measured in docs/benchmarks.md).
        services.AddOptions<MicroBatchingOptions>().Bind(builder.Configuration.GetSection(MicroBatchingOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MicroBatchingOptions>, MicroBatchingOptionsValidator>();
        services.AddSingleton<MicroBatcher>();

        services.AddSingleton(provider => new DigitImagePreprocessor(
            provider.GetRequiredService<IOptions<UploadLimitsOptions>>().Value.ToPreprocessingLimits()));
        services.AddSingleton<ImageUploadReader>();
        services.AddSingleton<PredictionPipeline>();
        services.AddSingleton<CapsuleExplorer>();

        services.AddHealthChecks()
                .AddCheck<ModelLoadedHealthCheck>(ModelLoadedHealthCheck.Name, tags: [ModelLoadedHealthCheck.ReadyTag]);
        services.AddApiProblemDetails();
        services.AddApiCrossOrigin(builder.Configuration);
        services.AddApiRateLimiting(builder.Configuration);
        services.AddApiDocumentation();
        return builder;
    }
}
