using CapsNetService.Inference.Api.Exploration;

namespace CapsNetService.Inference.Api.Contracts;

/// <summary>The decoder's image of one digit capsule (POST /reconstruct).</summary>
public sealed class ReconstructResponse
{
    public ReconstructResponse(CapsuleReconstruction reconstruction)
    {
        Digit = reconstruction.Capsule.Digit;
        Capsule = reconstruction.Capsule.Values;
        CapsuleLength = reconstruction.Capsule.Length;
        Reconstruction = Convert.ToBase64String(reconstruction.Png());
        ModelVersion = reconstruction.ModelVersion;
        InferenceMilliseconds = Math.Round(reconstruction.Elapsed.TotalMilliseconds, 3);
    }

    /// <summary>The digit whose capsule was decoded.</summary>
    /// <example>7</example>
    public int Digit { get; }

    /// <summary>The 16 values that were decoded (as received, in float32).</summary>
    /// <example>[0.2962, 0.1848, -0.0944, 0.3359, -0.1681, 0.2968, 0.3036, 0.2929, 0.1689, -0.2977, 0.0125, -0.0063, -0.1432, 0.3147, -0.1425, -0.2207]</example>
    public float[] Capsule { get; }

    /// <summary>The capsule's length (for the network's own capsules: the probability that the digit is present).</summary>
    /// <example>0.919</example>
    public float CapsuleLength { get; }

    /// <summary>The decoder's image: a 28×28 greyscale PNG, base64-encoded.</summary>
    /// <example>iVBORw0KGgoAAAANSUhEUgAAABwAAAAcCAAAAABXZoBIAAAAFklEQVR42mNgGHrg////o7IjVnbgAACeyjLOT5E9LAAAAABJRU5ErkJggg==</example>
    public string Reconstruction { get; }

    /// <summary>The version of the model that answered.</summary>
    /// <example>20261128-e30-6c2398ec</example>
    public string ModelVersion { get; }

    /// <summary>Time of the decoder's ONNX Runtime call, in milliseconds.</summary>
    /// <example>0.9</example>
    public double InferenceMilliseconds { get; }
}
