using System.Buffers;
using CapsNetService.Common;
using Microsoft.ML.OnnxRuntime;

namespace CapsNetService.Benchmarks.Inference;

/// <summary>What the classifier graph answered for each image of a batch: the 10 capsule lengths, the 160 capsule
/// values and the 784-pixel reconstruction, each in an array of its own (as the service's DigitPrediction holds them).</summary>
public sealed record ClassifierAnswer(float[][] Probabilities, float[][] Capsules, float[][] Reconstructions)
{
    public int Digit(int image)
    {
        var lengths = Probabilities[image];
        int best = 0;
        for (int c = 1; c < lengths.Length; c++)
            if (lengths[c] > lengths[best]) best = c;
        return best;
    }
}

/// <summary>
/// The classifier and decoder graphs in sessions made with one <see cref="OrtConfiguration"/>, called the way the
/// service calls them: <see cref="Classify"/> does what <c>CapsNetClassifier.Classify</c> does per call (the images
/// copied into a pooled buffer, OrtValues over pooled input and output buffers, one <c>Run</c>, each image's outputs
/// copied into arrays of its own), and <see cref="Decode"/> what <c>CapsNetDecoder.Decode(capsules, pixels, count)</c>
/// does. The benchmark does not reference the service (it would bring ONNX Runtime's GPU package beside the CPU one
/// the trainer uses); both are ONNX Runtime 1.31.0, whose CPU execution provider is the same code in both packages.
/// </summary>
public sealed class OrtGraphs : IDisposable
{
    private const int Pixels = ModelContract.ImagePixels;
    private const int Classes = ModelContract.Classes;
    private const int CapsuleValues = ModelContract.Classes * ModelContract.CapsuleDims;

    private static readonly string[] ClassifierInputs = [ModelContract.ImageInput];
    private static readonly string[] ClassifierOutputs =
        [ModelContract.ProbabilitiesOutput, ModelContract.CapsulesOutput, ModelContract.ReconstructionOutput];
    private static readonly string[] DecoderInputs = [ModelContract.DecoderCapsulesInput];
    private static readonly string[] DecoderOutputs = [ModelContract.ReconstructionOutput];

    private readonly InferenceSession _classifier;
    private readonly InferenceSession? _decoder;
    private readonly RunOptions _runOptions = new();

    public OrtGraphs(OrtConfiguration configuration, byte[] classifier, byte[]? decoder)
    {
        using var options = configuration.CreateSessionOptions();
        _classifier = new InferenceSession(classifier, options);
        _decoder = decoder is null ? null : new InferenceSession(decoder, options);
    }

    /// <summary>One classifier call on <paramref name="count"/> images taken from <paramref name="images"/>
    /// (each <see cref="ModelContract.ImagePixels"/> values in [0, 1]) starting at <paramref name="first"/>.</summary>
    public ClassifierAnswer Classify(float[][] images, int first, int count)
    {
        var pool = ArrayPool<float>.Shared;
        float[] input = pool.Rent(count * Pixels), probabilities = pool.Rent(count * Classes),
                capsules = pool.Rent(count * CapsuleValues), reconstruction = pool.Rent(count * Pixels);
        try
        {
            for (int n = 0; n < count; n++) images[(first + n) % images.Length].CopyTo(input, n * Pixels);

            var memory = OrtMemoryInfo.DefaultInstance;
            using var inputValue = OrtValue.CreateTensorValueFromMemory(memory, input.AsMemory(0, count * Pixels),
                [count, 1, ModelContract.ImageSide, ModelContract.ImageSide]);
            using var probabilitiesValue = OrtValue.CreateTensorValueFromMemory(memory, probabilities.AsMemory(0, count * Classes), [count, Classes]);
            using var capsulesValue = OrtValue.CreateTensorValueFromMemory(memory, capsules.AsMemory(0, count * CapsuleValues),
                [count, Classes, ModelContract.CapsuleDims]);
            using var reconstructionValue = OrtValue.CreateTensorValueFromMemory(memory, reconstruction.AsMemory(0, count * Pixels),
                [count, 1, ModelContract.ImageSide, ModelContract.ImageSide]);

            _classifier.Run(_runOptions, ClassifierInputs, [inputValue], ClassifierOutputs,
                            [probabilitiesValue, capsulesValue, reconstructionValue]);

            // The service copies each image's outputs into arrays of its own (DigitPrediction); so does this.
            var answer = new ClassifierAnswer(new float[count][], new float[count][], new float[count][]);
            for (int n = 0; n < count; n++)
            {
                answer.Probabilities[n] = probabilities.AsSpan(n * Classes, Classes).ToArray();
                answer.Capsules[n] = capsules.AsSpan(n * CapsuleValues, CapsuleValues).ToArray();
                answer.Reconstructions[n] = reconstruction.AsSpan(n * Pixels, Pixels).ToArray();
            }
            return answer;
        }
        finally
        {
            pool.Return(input);
            pool.Return(probabilities);
            pool.Return(capsules);
            pool.Return(reconstruction);
        }
    }

    /// <summary>One decoder call on <paramref name="count"/> capsule sets ([10, 16] each) into <paramref name="pixels"/>.</summary>
    public void Decode(float[] capsuleSets, float[] pixels, int count)
    {
        if (_decoder is null) throw new InvalidOperationException("no decoder graph was loaded");
        var memory = OrtMemoryInfo.DefaultInstance;
        using var input = OrtValue.CreateTensorValueFromMemory(memory, capsuleSets.AsMemory(0, count * CapsuleValues),
            [count, Classes, ModelContract.CapsuleDims]);
        using var output = OrtValue.CreateTensorValueFromMemory(memory, pixels.AsMemory(0, count * Pixels),
            [count, 1, ModelContract.ImageSide, ModelContract.ImageSide]);
        _decoder.Run(_runOptions, DecoderInputs, [input], DecoderOutputs, [output]);
    }

    public void Dispose()
    {
        _classifier.Dispose();
        _decoder?.Dispose();
        _runOptions.Dispose();
    }
}
