using CapsNetService.Common;
using CapsNetService.Common.Rejection;
using Microsoft.ML.OnnxRuntime;

namespace CapsNetService.Training.Export;

/// <summary>
/// Runs an exported classifier graph under ONNX Runtime (CPU), as the service does, and gives for each image the
/// predicted digit and its <see cref="DigitEvidence"/>: the longest capsule and the reconstruction error.
/// </summary>
public sealed class OnnxDigitScorer(byte[] classifier) : IDisposable
{
    private const int BatchSize = 500;

    private readonly InferenceSession _session = new(classifier);
    private readonly RunOptions _runOptions = new();

    /// <param name="images">Images one after another, <see cref="ModelContract.ImagePixels"/> values each, in [0, 1].</param>
    public IReadOnlyList<ScoredImage> Score(float[] images)
    {
        if (images.Length % ModelContract.ImagePixels != 0)
            throw new ArgumentException($"{images.Length} values are not whole 28×28 images", nameof(images));
        int count = images.Length / ModelContract.ImagePixels;
        var scored = new ScoredImage[count];
        for (int start = 0; start < count; start += BatchSize)
        {
            int n = Math.Min(BatchSize, count - start);
            var batch = images.AsMemory(start * ModelContract.ImagePixels, n * ModelContract.ImagePixels);
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch,
                [n, 1, ModelContract.ImageSide, ModelContract.ImageSide]);
            using var outputs = _session.Run(_runOptions, [ModelContract.ImageInput], [input],
                                             [ModelContract.ProbabilitiesOutput, ModelContract.ReconstructionOutput]);
            var lengths = outputs[0].GetTensorDataAsSpan<float>();
            var reconstructions = outputs[1].GetTensorDataAsSpan<float>();
            for (int i = 0; i < n; i++)
            {
                var row = lengths.Slice(i * ModelContract.Classes, ModelContract.Classes);
                int digit = 0;
                for (int k = 1; k < row.Length; k++) if (row[k] > row[digit]) digit = k;
                scored[start + i] = new ScoredImage(digit, DigitEvidence.Of(row,
                    batch.Span.Slice(i * ModelContract.ImagePixels, ModelContract.ImagePixels),
                    reconstructions.Slice(i * ModelContract.ImagePixels, ModelContract.ImagePixels)));
            }
        }
        return scored;
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}

/// <summary>One image as the model saw it: the digit whose capsule is longest, and the evidence that it is a digit.</summary>
public readonly record struct ScoredImage(int Digit, DigitEvidence Evidence);
