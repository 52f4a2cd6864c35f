using CapsNetService.Inference.Api.Exploration;

namespace CapsNetService.Inference.Api.Contracts;

/// <summary>
/// What each dimension of a digit capsule does (POST /explore; the paper's Figure 4): for each of the 16 dimensions,
/// the decoder's images with that dimension moved by each offset, all from one decoder call of 16 × steps capsules.
/// </summary>
public sealed class ExploreResponse
{
    public ExploreResponse(CapsuleExploration exploration)
    {
        var capsule = exploration.Capsule;
        Digit = capsule.Digit;
        Source = exploration.Prediction is null ? "capsule" : "image";
        Capsule = capsule.Values;
        CapsuleLength = capsule.Length;
        Offsets = exploration.Sweep.Offsets;
        Dimensions = Enumerable.Range(0, exploration.Grid.Rows).Select(d => new ExploredDimension
        {
            Dimension = d,
            Value = capsule.Values[d],
            Images = Enumerable.Range(0, exploration.Grid.Columns)
                               .Select(k => Convert.ToBase64String(exploration.Grid.TilePng(d, k))).ToArray(),
        }).ToList();
        ModelVersion = exploration.ModelVersion;
        InferenceMilliseconds = Math.Round(exploration.Elapsed.TotalMilliseconds, 3);
        if (exploration.Prediction is { } outcome)
            Prediction = new PredictionResponse(outcome.Images[0], outcome.ModelVersion, outcome.InferenceTime);
    }

    /// <summary>The digit whose capsule was explored (for an image: the predicted digit).</summary>
    /// <example>7</example>
    public int Digit { get; }

    /// <summary><c>image</c> when an image was uploaded and classified first; <c>capsule</c> when a capsule was sent.</summary>
    /// <example>image</example>
    public string Source { get; }

    /// <summary>The explored capsule's 16 values before any offset.</summary>
    /// <example>[0.2962, 0.1848, -0.0944, 0.3359, -0.1681, 0.2968, 0.3036, 0.2929, 0.1689, -0.2977, 0.0125, -0.0063, -0.1432, 0.3147, -0.1425, -0.2207]</example>
    public float[] Capsule { get; }

    /// <summary>The capsule's length.</summary>
    /// <example>0.919</example>
    public float CapsuleLength { get; }

    /// <summary>The offsets added to one dimension at a time, one per column, from −range to +range.</summary>
    /// <example>[-0.25, -0.2, -0.15, -0.1, -0.05, 0, 0.05, 0.1, 0.15, 0.2, 0.25]</example>
    public float[] Offsets { get; }

    /// <summary>16 rows, one per capsule dimension (d0…d15), each with one image per offset.</summary>
    public IReadOnlyList<ExploredDimension> Dimensions { get; }

    /// <summary>The version of the model that answered.</summary>
    /// <example>20261128-e30-6c2398ec</example>
    public string ModelVersion { get; }

    /// <summary>Time of the one decoder call (16 × steps capsules), in milliseconds.</summary>
    /// <example>21.5</example>
    public double InferenceMilliseconds { get; }

    /// <summary>For an uploaded image: the classifier's full answer, as POST /predict gives it; null for a capsule.</summary>
    public PredictionResponse? Prediction { get; }
}

/// <summary>One capsule dimension moved through the offsets.</summary>
public sealed class ExploredDimension
{
    /// <summary>The dimension, 0 to 15.</summary>
    /// <example>4</example>
    public required int Dimension { get; init; }

    /// <summary>The dimension's value in the capsule before any offset.</summary>
    /// <example>-0.1681</example>
    public required float Value { get; init; }

    /// <summary>One 28×28 greyscale PNG (base64) per offset, in the order of <c>offsets</c>.</summary>
    /// <example>["iVBORw0KGgoAAAANSUhEUgAAABwAAAAcCAAAAABXZoBIAAAAFklEQVR42mNgGHrg////o7IjVnbgAACeyjLOT5E9LAAAAABJRU5ErkJggg=="]</example>
    public required string[] Images { get; init; }
}
