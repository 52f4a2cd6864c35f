using CapsNetService.Common;

namespace CapsNetService.Inference.Api.Contracts;

/// <summary>The serving model and the history of the models folder.</summary>
public sealed class ModelResponse
{
    /// <summary>True while a model is loaded and serving.</summary>
    /// <example>true</example>
    public required bool Loaded { get; init; }

    /// <summary>The serving model's version, or null.</summary>
    /// <example>20261128-e30-6c2398ec</example>
    public string? ModelVersion { get; init; }

    /// <summary>What the serving model says about itself (the ONNX file's capsnet.* metadata_props).</summary>
    public ModelMetadata? Metadata { get; init; }

    /// <summary>The execution provider the model runs on: CUDAExecutionProvider or CPUExecutionProvider.</summary>
    /// <example>CPUExecutionProvider</example>
    public string? ExecutionProvider { get; init; }

    /// <summary>The configured choice: auto, cuda or cpu.</summary>
    /// <example>auto</example>
    public required string RequestedProvider { get; init; }

    /// <summary>Why CUDA is not in use although it was allowed, or null.</summary>
    /// <example>CUDA execution provider libraries could not be loaded</example>
    public string? ProviderFallbackReason { get; init; }

    /// <summary>When the serving model was loaded (UTC).</summary>
    public DateTimeOffset? LoadedAt { get; init; }

    /// <summary>How long loading and checking the serving model took, in milliseconds.</summary>
    /// <example>850.2</example>
    public double? LoadMilliseconds { get; init; }

    /// <summary>The serving model's files.</summary>
    public ModelFilesInfo? Files { get; init; }

    /// <summary>What happened at the last look at the models folder.</summary>
    public required ModelReloadInfo Reload { get; init; }
}

/// <summary>The two graph files of the serving model.</summary>
public sealed record ModelFilesInfo(ModelFileInfo Classifier, ModelFileInfo Decoder);

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
