using CapsNetService.Inference.Api.Contracts;
using CapsNetService.Inference.Api.Inference;
using CapsNetService.Inference.Api.Options;
using CapsNetService.Inference.Api.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CapsNetService.Inference.Api.Endpoints;

/// <summary>GET /model: the serving model, where it runs, and what happened to the files published since start-up.</summary>
public static class ModelEndpoints
{
    public static IEndpointRouteBuilder MapModelApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/model", GetModel)
           .WithTags("Model")
           .WithName("GetModel")
           .WithSummary("The serving model: version, metadata, execution provider, load time, last reload error.");
        return app;
    }

    public static Ok<ModelResponse> GetModel(OnnxModelStore store, IOptions<InferenceOptions> options)
    {
        var model = store.Current;
        var reload = store.ReloadStatus;
        return TypedResults.Ok(new ModelResponse
        {
            Loaded = model is not null,
            ModelVersion = model?.Version,
            // The training command may name the training machine's folders: shown without them.
            Metadata = model?.Metadata is { } metadata ? metadata with { TrainingCommand = ServerPathRedactor.Redact(metadata.TrainingCommand) } : null,
            ExecutionProvider = model?.ExecutionProvider,
            RequestedProvider = options.Value.ProviderPreference.ToString().ToLowerInvariant(),
            ProviderFallbackReason = model?.ProviderFallbackReason,
            LoadedAt = model?.LoadedAt,
            LoadMilliseconds = model is null ? null : Math.Round(model.LoadDuration.TotalMilliseconds, 1),
            Files = model is null
                ? null
                : new ModelFilesInfo(
                    new ModelFileInfo(model.ClassifierFile.Name, model.ClassifierFile.Sha256, model.ClassifierFile.Bytes),
                    new ModelFileInfo(model.DecoderFile.Name, model.DecoderFile.Sha256, model.DecoderFile.Bytes)),
            Reload = new ModelReloadInfo
            {
                LastAttemptAt = reload.LastAttemptAt,
                LastOutcome = reload.LastOutcome,
                LastError = reload.LastRejection is { } rejection
                    ? new ModelReloadError(rejection.At, rejection.File, rejection.Sha256, ServerPathRedactor.Redact(rejection.Reason)!)
                    : null,
                LoadedCount = reload.Loaded,
                RejectedCount = reload.Rejected,
                PollSeconds = options.Value.ReloadPollSeconds,
            },
        });
    }
}
