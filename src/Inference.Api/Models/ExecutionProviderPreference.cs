namespace CapsNetService.Inference.Api.Models;

/// <summary>Which ONNX Runtime execution provider the service asks for (<c>Inference:Provider</c>, <c>--provider</c>).</summary>
public enum ExecutionProviderPreference
{
    /// <summary>Try CUDA; when it cannot be used, fall back to the CPU and log why.</summary>
    Auto,

    /// <summary>CUDA only: a model that cannot be put on the GPU is not loaded (and /model says why).</summary>
    Cuda,

    /// <summary>CPU only; CUDA is never tried.</summary>
    Cpu,
}
