using System.Buffers;
using CapsNetService.Common.Rejection;
using Microsoft.ML.OnnxRuntime;

namespace CapsNetService.Inference.Api.Models;

/// <summary>
/// Runs the classifier graph (<see cref="ModelContract.ModelFileName"/>, or another kind's, on its image side) on a
/// batch of preprocessed images in one ONNX Runtime call. Thread-safe: ONNX Runtime's Run may be called concurrently on one session; the run options
/// and the name arrays are shared, the input and output buffers are rented from a pool for the call.
/// </summary>
public sealed class CapsNetClassifier : IDisposable
{
    private const int Classes = ModelContract.Classes;
    private const int CapsuleValues = ModelContract.Classes * ModelContract.CapsuleDims;

    private static readonly string[] InputNames = [ModelContract.ImageInput];
    private static readonly string[] OutputNames =
        [ModelContract.ProbabilitiesOutput, ModelContract.CapsulesOutput, ModelContract.ReconstructionOutput];

    private readonly RunOptions _runOptions = new();

    /// <param name="acceptance">The model's calibrated rule for telling a digit from anything else; null: every image is
    /// taken for a digit (an uncalibrated model).</param>
    /// <param name="kind">The model's kind (its image side); null: MNIST. The evidence for telling a digit from anything
    /// else is measured for MNIST models only, the kind it is calibrated on.</param>
    public CapsNetClassifier(InferenceSession session, DigitAcceptance? acceptance = null, ModelKindContract? kind = null)
    {
        Session = session;
        Acceptance = acceptance;
        Kind = kind ?? ModelKindContract.Mnist;
    }

    public ModelKindContract Kind { get; }

    public InferenceSession Session { get; }

    public DigitAcceptance? Acceptance { get; }

    /// <param name="images">Each <see cref="ModelKindContract.ImagePixels"/> values, white digit on black, in [0, 1].</param>
    public DigitPrediction[] Classify(IReadOnlyList<float[]> images)
    {
        int count = images.Count, side = Kind.ImageSide, pixels = Kind.ImagePixels;
        bool mnist = Kind.Kind == ModelKinds.Mnist;
        if (count == 0) return [];

        var pool = ArrayPool<float>.Shared;
        float[] input = pool.Rent(count * pixels), probabilities = pool.Rent(count * Classes),
                capsules = pool.Rent(count * CapsuleValues), reconstruction = pool.Rent(count * pixels);
        try
        {
            for (int n = 0; n < count; n++)
            {
                if (images[n].Length != pixels)
                    throw new ArgumentException($"image {n} has {images[n].Length} values, not {pixels}", nameof(images));
                images[n].CopyTo(input, n * pixels);
            }

            var memory = OrtMemoryInfo.DefaultInstance;
            using var inputValue = OrtValue.CreateTensorValueFromMemory(memory, input.AsMemory(0, count * pixels),
                [count, 1, side, side]);
            using var probabilitiesValue = OrtValue.CreateTensorValueFromMemory(memory,
                probabilities.AsMemory(0, count * Classes), [count, Classes]);
            using var capsulesValue = OrtValue.CreateTensorValueFromMemory(memory,
                capsules.AsMemory(0, count * CapsuleValues), [count, Classes, ModelContract.CapsuleDims]);
            using var reconstructionValue = OrtValue.CreateTensorValueFromMemory(memory,
                reconstruction.AsMemory(0, count * pixels), [count, 1, side, side]);

            Session.Run(_runOptions, InputNames, [inputValue], OutputNames,
                        [probabilitiesValue, capsulesValue, reconstructionValue]);

            var predictions = new DigitPrediction[count];
            for (int n = 0; n < count; n++)
            {
                var lengths = probabilities.AsSpan(n * Classes, Classes).ToArray();
                var redrawn = reconstruction.AsSpan(n * pixels, pixels).ToArray();
                var evidence = mnist ? DigitEvidence.Of(lengths, images[n], redrawn) : default;
                predictions[n] = new DigitPrediction(ArgMax(lengths), lengths,
                    capsules.AsSpan(n * CapsuleValues, CapsuleValues).ToArray(), redrawn)
                {
                    Evidence = evidence,
                    IsDigit = !mnist || (Acceptance?.Accepts(evidence) ?? true),
                };
            }
            return predictions;
        }
        finally
        {
            pool.Return(input);
            pool.Return(probabilities);
            pool.Return(capsules);
            pool.Return(reconstruction);
        }
    }

    public void Dispose()
    {
        Session.Dispose();
        _runOptions.Dispose();
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}

/// <summary>What the classifier graph says about one image.</summary>
/// <param name="Digit">The class whose capsule is longest.</param>
/// <param name="Probabilities">The 10 capsule lengths, indexed by digit (not a softmax; each in [0, 1]).</param>
/// <param name="Capsules">The 10 digit capsules of 16 values, row-major [10, 16].</param>
/// <param name="Reconstruction">The decoder's image (28×28, or the kind's side) for the longest capsule, row-major, in [0, 1].</param>
public sealed record DigitPrediction(int Digit, float[] Probabilities, float[] Capsules, float[] Reconstruction)
{
    /// <summary>The longest capsule's length and the reconstruction's error against the input.</summary>
    public DigitEvidence Evidence { get; init; }

    /// <summary>False when the model's calibrated rule says the input is not a digit; always true on an uncalibrated model.</summary>
    public bool IsDigit { get; init; } = true;
}
