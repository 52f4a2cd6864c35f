namespace CapsNetService.Common.Rejection;

/// <summary>
/// The two signals a capsule network gives about whether its input is a digit at all: the winning capsule's length
/// (the probability that that digit is present, not a softmax forced to sum to one) and how badly the decoder redraws
/// the input from that capsule (Frosst, Sabour &amp; Hinton 2018, "DARCCC").
/// </summary>
/// <param name="CapsuleLength">The longest digit capsule's length, in [0, 1].</param>
/// <param name="ReconstructionError">Mean squared error between the 28×28 model input and the reconstruction from
/// the longest capsule, both in [0, 1].</param>
public readonly record struct DigitEvidence(double CapsuleLength, double ReconstructionError)
{
    /// <param name="lengths">The <see cref="ModelContract.Classes"/> capsule lengths of one image.</param>
    /// <param name="input">The <see cref="ModelContract.ImagePixels"/> values the model was given.</param>
    /// <param name="reconstruction">The model's <see cref="ModelContract.ReconstructionOutput"/> for that image.</param>
    public static DigitEvidence Of(ReadOnlySpan<float> lengths, ReadOnlySpan<float> input, ReadOnlySpan<float> reconstruction)
    {
        if (lengths.Length != ModelContract.Classes)
            throw new ArgumentException($"{lengths.Length} capsule lengths, not {ModelContract.Classes}", nameof(lengths));
        float longest = 0;
        foreach (var length in lengths) longest = MathF.Max(longest, length);
        return new DigitEvidence(longest, MeanSquaredError(input, reconstruction));
    }

    /// <summary>Mean squared error over the 784 pixels, summed in double so that the trainer's calibration and the
    /// service compute the very same number for the same floats.</summary>
    public static double MeanSquaredError(ReadOnlySpan<float> input, ReadOnlySpan<float> reconstruction)
    {
        if (input.Length != ModelContract.ImagePixels || reconstruction.Length != ModelContract.ImagePixels)
            throw new ArgumentException(
                $"an image and its reconstruction need {ModelContract.ImagePixels} values each, not {input.Length} and {reconstruction.Length}");
        double sum = 0;
        for (int i = 0; i < input.Length; i++)
        {
            double difference = (double)input[i] - reconstruction[i];
            sum += difference * difference;
        }
        return sum / input.Length;
    }
}
