using Microsoft.ML.OnnxRuntime;

namespace CapsNetService.Inference.Api.Inference;

/// <summary>An ONNX Runtime session and the execution provider it was created for.</summary>
/// <param name="FallbackReason">Why CUDA is not in use although it was allowed (<c>auto</c>); null otherwise.</param>
public sealed record CreatedSession(InferenceSession Session, string ExecutionProvider, string? FallbackReason);
