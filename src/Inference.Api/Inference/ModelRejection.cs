namespace CapsNetService.Inference.Api.Inference;

/// <summary>A published model the service refused, and why.</summary>
/// <param name="File">The file that triggered the reload (capsnet.onnx), by name only.</param>
/// <param name="Sha256">The SHA-256 of that file as it was read, or null when it could not be read.</param>
public sealed record ModelRejection(DateTimeOffset At, string File, string? Sha256, string Reason);
