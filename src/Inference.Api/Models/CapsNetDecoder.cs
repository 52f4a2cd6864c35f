using Microsoft.ML.OnnxRuntime;

namespace CapsNetService.Inference.Api.Models;

/// <summary>
/// Runs the decoder graph (<see cref="ModelContract.DecoderFileName"/>, or another kind's): digit capsules → images of
/// the kind's side (28×28 for MNIST). Used to check
/// a model pair when it is loaded, and by clients that change capsules (the capsule explorer). Thread-safe.
/// </summary>
public sealed class CapsNetDecoder : IDisposable
{
    private const int CapsuleValues = ModelContract.Classes * ModelContract.CapsuleDims;

    private static readonly string[] InputNames = [ModelContract.DecoderCapsulesInput];
    private static readonly string[] OutputNames = [ModelContract.ReconstructionOutput];

    private readonly RunOptions _runOptions = new();

    /// <param name="kind">The model's kind (its image side); null: MNIST.</param>
    public CapsNetDecoder(InferenceSession session, ModelKindContract? kind = null)
    {
        Session = session;
        Kind = kind ?? ModelKindContract.Mnist;
    }

    public ModelKindContract Kind { get; }

    public InferenceSession Session { get; }

    /// <param name="capsules">count × [10, 16] values, row-major. The decoder was trained with every capsule but
    /// one set to zero.</param>
    /// <returns>count × the kind's pixels (784 for MNIST), in [0, 1].</returns>
    public float[] Decode(float[] capsules)
    {
        if (capsules.Length == 0 || capsules.Length % CapsuleValues != 0)
            throw new ArgumentException($"{capsules.Length} values are not a whole number of [10, 16] capsule sets", nameof(capsules));
        int count = capsules.Length / CapsuleValues;
        using var input = OrtValue.CreateTensorValueFromMemory(capsules, [count, ModelContract.Classes, ModelContract.CapsuleDims]);
        using var outputs = Session.Run(_runOptions, InputNames, [input], OutputNames);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>
    /// Decodes <paramref name="count"/> capsule sets in one ONNX Runtime call into a buffer the caller owns (rented
    /// from a pool, as <see cref="CapsNetClassifier"/> does), so that nothing is allocated per call but the tensor views.
    /// </summary>
    /// <param name="capsules">At least count × [10, 16] values, row-major (extra values are ignored).</param>
    /// <param name="pixels">At least count × the kind's pixels (784 for MNIST); receives the images, each in [0, 1].</param>
    /// <param name="count">The number of capsule sets (the batch size N of the call).</param>
    public void Decode(float[] capsules, float[] pixels, int count)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "at least one capsule set is needed");
        if (capsules.Length < count * CapsuleValues)
            throw new ArgumentException($"{capsules.Length} values are fewer than {count} [10, 16] capsule sets", nameof(capsules));
        int side = Kind.ImageSide;
        if (pixels.Length < count * Kind.ImagePixels)
            throw new ArgumentException($"{pixels.Length} values cannot hold {count} images", nameof(pixels));

        var memory = OrtMemoryInfo.DefaultInstance;
        using var input = OrtValue.CreateTensorValueFromMemory(memory, capsules.AsMemory(0, count * CapsuleValues),
            [count, ModelContract.Classes, ModelContract.CapsuleDims]);
        using var output = OrtValue.CreateTensorValueFromMemory(memory, pixels.AsMemory(0, count * Kind.ImagePixels),
            [count, 1, side, side]);
        Session.Run(_runOptions, InputNames, [input], OutputNames, [output]);
    }

    public void Dispose()
    {
        Session.Dispose();
        _runOptions.Dispose();
    }
}
