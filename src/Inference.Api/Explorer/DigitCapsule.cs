
namespace CapsNetService.Inference.Api.Explorer;

/// <summary>One digit capsule: which digit it stands for, and its <see cref="ModelContract.CapsuleDims"/> values
/// (the pose the decoder redraws the digit from).</summary>
public sealed record DigitCapsule
{
    public DigitCapsule(int digit, float[] values)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(digit);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(digit, ModelContract.Classes);
        if (values.Length != ModelContract.CapsuleDims)
            throw new ArgumentException($"{values.Length} values are not a {ModelContract.CapsuleDims}-D capsule", nameof(values));
        Digit = digit;
        Values = values;
    }

    public int Digit { get; }

    public float[] Values { get; }

    /// <summary>The capsule's length: the network's probability that the digit is present.</summary>
    public float Length => MathF.Sqrt(Values.Sum(v => v * v));

    /// <summary>The predicted digit's capsule out of the classifier's answer.</summary>
    public static DigitCapsule Of(DigitPrediction prediction) => new(prediction.Digit,
        prediction.Capsules.AsSpan(prediction.Digit * ModelContract.CapsuleDims, ModelContract.CapsuleDims).ToArray());

    /// <summary>
    /// Writes the decoder's input for this capsule into <paramref name="set"/> ([10, 16], row-major): this capsule in
    /// its digit's row, zeros elsewhere, as the decoder was trained (and as the classifier graph masks).
    /// </summary>
    public Span<float> WriteMasked(Span<float> set)
    {
        set[..(ModelContract.Classes * ModelContract.CapsuleDims)].Clear();
        var row = set.Slice(Digit * ModelContract.CapsuleDims, ModelContract.CapsuleDims);
        Values.CopyTo(row);
        return row;
    }
}
