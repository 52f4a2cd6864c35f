namespace CapsNetService.Inference.Api.Inference;

/// <summary>What happened at the last look at the models folder, and the last refusal (kept until the next one).</summary>
/// <param name="LastOutcome"><c>loaded</c>, <c>rejected</c>, <c>unchanged</c> or <c>missing</c>.</param>
public sealed record ModelReloadStatus(
    DateTimeOffset? LastAttemptAt, string? LastOutcome, ModelRejection? LastRejection, int Loaded, int Rejected);
