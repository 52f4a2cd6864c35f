using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.Model;

/// <summary>The two vector functions of the paper that every capsule layer uses.</summary>
public static class Capsules
{
    /// <summary>
    /// Keeps the squash and the length finite and differentiable at the zero vector
    /// (|s| = sqrt(|s|² + ε) instead of sqrt(|s|²)). The ONNX export uses the same ε.
    /// </summary>
    public const float Epsilon = 1e-8f;

    /// <summary>
    /// Eq. 1: v = |s|² / (1 + |s|²) · s / |s|. Short vectors shrink to almost zero, long ones to just under
    /// unit length, and the direction is kept. The zero vector maps to zero, not NaN.
    /// </summary>
    public static Tensor Squash(Tensor s, long dim = -1)
    {
        using var squaredNorm = s.square().sum(dim, keepdim: true);
        using var scale = squaredNorm / (1 + squaredNorm) / (squaredNorm + Epsilon).sqrt();
        return s * scale;
    }

    /// <summary>The length of each capsule: the probability that its entity is present.</summary>
    public static Tensor Length(Tensor v, long dim = -1)
    {
        using var squaredNorm = v.square().sum(dim);
        return (squaredNorm + Epsilon).sqrt();
    }
}
