using System.Text.RegularExpressions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using CapsNetService.Common.Rejection;

namespace CapsNetService.Inference.Api.Models;

/// <summary>
/// GET /model (the serving model, where it runs, and what happened to the files published since start-up), and the
/// probes GET /health/live (the process answers) and GET /health/ready (a model is loaded), run by ASP.NET Core's
/// <see cref="HealthCheckService"/>: 200 when healthy, 503 otherwise, with a small JSON report either way.
/// </summary>
public static partial class ModelApi
{
    public static IEndpointRouteBuilder MapModelApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/model", GetModel)
           .WithTags("Model")
           .WithName("GetModel")
           .WithSummary("The serving model: version, metadata, execution provider, load time, last reload error; the "
                        + "overlapping-digits model the same way under 'overlapping'.");

        var health = app.MapGroup("/health").WithTags("Health");
        health.MapGet("/live", Live)
              .WithName("Live")
              .WithSummary("Liveness: the process is up and answering.")
              .Produces<HealthResponse>(StatusCodes.Status200OK);
        health.MapGet("/ready", Ready)
              .WithName("Ready")
              .WithSummary("Readiness: 200 while a model is loaded and serving, 503 before.")
              .Produces<HealthResponse>(StatusCodes.Status200OK)
              .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static Ok<ModelResponse> GetModel(OnnxModelStore store,
        [FromKeyedServices(ModelKinds.MultiMnist)] OnnxModelStore overlapping, IOptions<InferenceOptions> options) =>
        TypedResults.Ok(Describe(store, options, Describe(overlapping, options, null)));

    /// <summary>One kind's model and reload history; the MNIST model's answer carries the other kind's.</summary>
    private static ModelResponse Describe(OnnxModelStore store, IOptions<InferenceOptions> options, ModelResponse? overlapping)
    {
        var model = store.Current;
        var reload = store.ReloadStatus;
        bool mnist = store.Kind.Kind == ModelKinds.Mnist;
        return new ModelResponse
        {
            Kind = store.Kind.Kind,
            Loaded = model is not null,
            ModelVersion = model?.Version,
            // The training command may name the training machine's folders: shown without them.
            Metadata = model?.Metadata is { } metadata ? metadata with { TrainingCommand = RedactServerPaths(metadata.TrainingCommand) } : null,
            // Telling a digit from anything else is calibrated for MNIST models only.
            Rejection = model is null || !mnist ? null : RejectionInfo.Of(model.Metadata),
            ExecutionProvider = model?.ExecutionProvider,
            RequestedProvider = options.Value.ProviderPreference.ToString().ToLowerInvariant(),
            ProviderFallbackReason = model?.ProviderFallbackReason,
            Precision = model?.Precision,
            RequestedPrecision = options.Value.PrecisionPreference.ToString().ToLowerInvariant(),
            PrecisionFallbackReason = model?.PrecisionFallbackReason,
            LoadedAt = model?.LoadedAt,
            LoadMilliseconds = model is null ? null : Math.Round(model.LoadDuration.TotalMilliseconds, 1),
            Files = model is null
                ? null
                : new ModelFilesInfo(
                    new ModelFileInfo(model.ClassifierFile.Name, model.ClassifierFile.Sha256, model.ClassifierFile.Bytes),
                    new ModelFileInfo(model.DecoderFile.Name, model.DecoderFile.Sha256, model.DecoderFile.Bytes),
                    model.Precision == "int8" && model.Int8File is { } int8 ? new ModelFileInfo(int8.Name, int8.Sha256, int8.Bytes) : null),
            Reload = new ModelReloadInfo
            {
                LastAttemptAt = reload.LastAttemptAt,
                LastOutcome = reload.LastOutcome,
                LastError = reload.LastRejection is { } rejection
                    ? new ModelReloadError(rejection.At, rejection.File, rejection.Sha256, RedactServerPaths(rejection.Reason)!)
                    : null,
                LoadedCount = reload.Loaded,
                RejectedCount = reload.Rejected,
                PollSeconds = options.Value.ReloadPollSeconds,
            },
            Overlapping = overlapping,
        };
    }

    public static async Task<JsonHttpResult<HealthResponse>> Live(HealthCheckService health, CancellationToken cancellationToken) =>
        ToResult(await health.CheckHealthAsync(_ => false, cancellationToken));

    public static async Task<JsonHttpResult<HealthResponse>> Ready(HealthCheckService health, CancellationToken cancellationToken) =>
        ToResult(await health.CheckHealthAsync(check => check.Tags.Contains(ModelLoadedCheck.ReadyTag), cancellationToken));

    private static JsonHttpResult<HealthResponse> ToResult(HealthReport report)
    {
        var body = new HealthResponse(report.Status.ToString(),
            report.Entries.Select(e => new HealthCheckResponse(e.Key, e.Value.Status.ToString(), e.Value.Description)).ToList());
        return TypedResults.Json(body, statusCode: report.Status == HealthStatus.Healthy
            ? StatusCodes.Status200OK
            : StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>Ready while a model is loaded and serving; unhealthy before (none published yet, or all rejected).</summary>
    public sealed class ModelLoadedCheck(OnnxModelStore store) : IHealthCheck
    {
        public const string Name = "model";
        public const string ReadyTag = "ready";

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(store.Current is { } model
                ? HealthCheckResult.Healthy($"model {model.Version} is serving on {model.ExecutionProvider} ({model.Precision})")
                : HealthCheckResult.Unhealthy("no model is loaded; GET /model says why"));
    }

    /// <summary>
    /// Shortens absolute paths in text shown to clients to their last segment (<c>/srv/runs/e30</c> becomes
    /// <c>…/e30</c>): a model's training command names folders of the machine that trained it, and a runtime's error
    /// message may name its source files; neither is the client's business. The log keeps the full text.
    /// </summary>
    public static string? RedactServerPaths(string? text) =>
        text is null ? null : WindowsPath().Replace(UnixPath().Replace(text, "…/$1"), "…\\$1");

    /// <summary>A path of at least two segments that starts at the root (or at ~), not one inside a relative path or a URL.</summary>
    [GeneratedRegex(@"(?<![\w.:/~])~?(?:/[^\s/""'`]+)+/([^\s/""'`]+)", RegexOptions.CultureInvariant)]
    private static partial Regex UnixPath();

    [GeneratedRegex(@"\b[A-Za-z]:\\(?:[^\s\\""'`]+\\)*([^\s\\""'`]+)", RegexOptions.CultureInvariant)]
    private static partial Regex WindowsPath();
}

/// <summary>The serving model and the history of the models folder; the overlapping-digits model's, the same way,
/// under <see cref="Overlapping"/>.</summary>
public sealed class ModelResponse
{
    /// <summary>The kind of model described: mnist (POST /predict) or multimnist (POST /predict/overlapping).</summary>
    /// <example>mnist</example>
    public required string Kind { get; init; }

    /// <summary>True while a model is loaded and serving.</summary>
    /// <example>true</example>
    public required bool Loaded { get; init; }

    /// <summary>The serving model's version, or null.</summary>
    /// <example>20261128-e30-6c2398ec</example>
    public string? ModelVersion { get; init; }

    /// <summary>What the serving model says about itself (the ONNX file's capsnet.* metadata_props).</summary>
    public ModelMetadata? Metadata { get; init; }

    /// <summary>How the serving model tells a digit from anything else: its thresholds and measured rates, or that it is uncalibrated.</summary>
    public RejectionInfo? Rejection { get; init; }

    /// <summary>The execution provider the model runs on: CUDAExecutionProvider or CPUExecutionProvider.</summary>
    /// <example>CPUExecutionProvider</example>
    public string? ExecutionProvider { get; init; }

    /// <summary>The configured choice: auto, cuda or cpu.</summary>
    /// <example>auto</example>
    public required string RequestedProvider { get; init; }

    /// <summary>Why CUDA is not in use although it was allowed, or null.</summary>
    /// <example>CUDA execution provider libraries could not be loaded</example>
    public string? ProviderFallbackReason { get; init; }

    /// <summary>The classifier graph that runs: int8 (capsnet.int8.onnx, its convolutions on integers, CPU provider) or
    /// fp32. The decoder is float32 either way.</summary>
    /// <example>int8</example>
    public string? Precision { get; init; }

    /// <summary>The configured choice: auto, fp32 or int8.</summary>
    /// <example>auto</example>
    public required string RequestedPrecision { get; init; }

    /// <summary>Why the float32 graph runs although Inference:Precision=auto would take the int8 one, or null.</summary>
    /// <example>capsnet.int8.onnx is missing from the models folder</example>
    public string? PrecisionFallbackReason { get; init; }

    /// <summary>When the serving model was loaded (UTC).</summary>
    public DateTimeOffset? LoadedAt { get; init; }

    /// <summary>How long loading and checking the serving model took, in milliseconds.</summary>
    /// <example>850.2</example>
    public double? LoadMilliseconds { get; init; }

    /// <summary>The serving model's files.</summary>
    public ModelFilesInfo? Files { get; init; }

    /// <summary>What happened at the last look at the models folder.</summary>
    public required ModelReloadInfo Reload { get; init; }

    /// <summary>The overlapping-digits model (multimnist.onnx, serving POST /predict/overlapping), with the same fields;
    /// loaded is false while there is none, which leaves the rest of the service (and its readiness) unaffected. Null
    /// inside itself.</summary>
    public ModelResponse? Overlapping { get; init; }
}

/// <summary>The graph files of the serving model; <paramref name="Int8Classifier"/> when the int8 graph runs.</summary>
public sealed record ModelFilesInfo(ModelFileInfo Classifier, ModelFileInfo Decoder, ModelFileInfo? Int8Classifier = null);

/// <summary>A model file by name (never its folder), content hash and size.</summary>
public sealed record ModelFileInfo(string Name, string Sha256, long Bytes);

/// <summary>The reload history.</summary>
public sealed class ModelReloadInfo
{
    /// <summary>When the models folder was last looked at (start-up, a file-system event or the poll).</summary>
    public DateTimeOffset? LastAttemptAt { get; init; }

    /// <summary>loaded, rejected, unchanged or missing.</summary>
    /// <example>loaded</example>
    public string? LastOutcome { get; init; }

    /// <summary>The last published model that was refused (kept until another is refused), or null.</summary>
    public ModelReloadError? LastError { get; init; }

    /// <summary>Models loaded since start-up.</summary>
    /// <example>1</example>
    public required int LoadedCount { get; init; }

    /// <summary>Published models refused since start-up.</summary>
    /// <example>0</example>
    public required int RejectedCount { get; init; }

    /// <summary>Seconds between polls of the models folder (besides the file-system watcher).</summary>
    /// <example>5</example>
    public required double PollSeconds { get; init; }
}

/// <summary>A refused model file and why.</summary>
public sealed record ModelReloadError(DateTimeOffset At, string File, string? Sha256, string Message);

/// <summary>A health report: Healthy (HTTP 200) or Unhealthy/Degraded (HTTP 503), with each check.</summary>
public sealed record HealthResponse(string Status, IReadOnlyList<HealthCheckResponse> Checks);

/// <summary>One health check's result.</summary>
public sealed record HealthCheckResponse(string Name, string Status, string? Description);

/// <summary>How the serving model tells a digit from anything else (GET /model): its calibrated thresholds and the
/// rates measured with them, or that it is uncalibrated and takes every image for a digit.</summary>
public sealed class RejectionInfo
{
    /// <summary>calibrated or uncalibrated.</summary>
    /// <example>calibrated</example>
    public required string Status { get; init; }

    /// <summary>The rule, in words.</summary>
    /// <example>An image is a digit when its longest capsule is at least 0.52 long and its reconstruction error is at most 0.031.</example>
    public required string Description { get; init; }

    /// <summary>The thresholds and measured rates; null when uncalibrated.</summary>
    public RejectionCalibration? Calibration { get; init; }

    public static RejectionInfo Of(ModelMetadata metadata) => metadata.Rejection is { } calibration
        ? new RejectionInfo
        {
            Status = "calibrated",
            Description = string.Create(CultureInfo.InvariantCulture,
                $"An image is a digit when its longest capsule is at least {calibration.MinCapsuleLength:0.####} long and its "
                + $"reconstruction error is at most {calibration.MaxReconstructionError:0.#####}. Measured: {calibration.TestFalseRejectionRate:P2} "
                + $"of the MNIST test digits rejected, {calibration.NonDigitRejectionRate:P1} of generated non-digits rejected "
                + $"(the capsule length alone: {calibration.LengthOnlyNonDigitRejectionRate:P1})."),
            Calibration = calibration,
        }
        : new RejectionInfo
        {
            Status = "uncalibrated",
            Description = "This model carries no rejection thresholds (capsnet-train calibrate adds them), so every image is "
                          + "taken for a digit: isDigit is always true and ?reject=true refuses nothing.",
        };
}
