using System.ComponentModel.DataAnnotations;

namespace CapsNetService.Inference.Api.Contracts;

/// <summary>
/// A digit capsule to decode (POST /reconstruct): <c>capsule</c> (16 numbers) with the <c>digit</c> it stands for, or
/// <c>capsules</c> (10 arrays of 16, indexed by digit, as POST /predict returns them) with an optional <c>digit</c>
/// (default: the longest capsule, the predicted digit). Only the chosen digit's capsule is decoded, every other is
/// set to zero, as the decoder was trained. Every value must be a finite number within ±2 (the network's own capsules
/// are shorter than 1). The body is read by <see cref="Exploration.CapsuleRequestReader"/>; this class documents it.
/// </summary>
public class ReconstructRequest
{
    /// <summary>The digit (0–9) whose capsule this is. Required with <c>capsule</c>; with <c>capsules</c>, the row to decode.</summary>
    /// <example>7</example>
    [Range(0, 9)]
    public int? Digit { get; init; }

    /// <summary>The digit's capsule: 16 numbers, each within ±2. Give this or <c>capsules</c>, not both.</summary>
    /// <example>[0.2962, 0.1848, -0.0944, 0.3359, -0.1681, 0.2968, 0.3036, 0.2929, 0.1689, -0.2977, 0.0125, -0.0063, -0.1432, 0.3147, -0.1425, -0.2207]</example>
    [Length(16, 16)]
    public float[]? Capsule { get; init; }

    /// <summary>All 10 digit capsules (10 arrays of 16 numbers, indexed by digit), e.g. POST /predict's <c>capsules</c> unchanged.</summary>
    [Length(10, 10)]
    public float[][]? Capsules { get; init; }
}
