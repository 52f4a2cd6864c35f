using CapsNetService.Common;

namespace CapsNetService.Inference.Api.Inference;

/// <summary>
/// The test inference a model pair must pass before it serves: a blank image and a drawn ring (a plausible "0")
/// go through the classifier in one batch; every output must be finite and in range, and the decoder, given the
/// classifier's capsules masked to the longest one, must redraw the classifier's own reconstruction.
/// </summary>
public static class ModelSmokeTest
{
    /// <summary>How far the decoder graph's image may be from the classifier graph's (they share the weights).</summary>
    public const float DecoderTolerance = 1e-3f;

    private const float LengthSlack = 1e-3f;

    /// <exception cref="ModelRejectedException">An output is missing, out of range, or the pair disagrees.</exception>
    public static void Run(CapsNetClassifier classifier, CapsNetDecoder decoder)
    {
        float[][] images = [new float[ModelContract.ImagePixels], Ring()];
        DigitPrediction[] predictions;
        try
        {
            predictions = classifier.Classify(images);
        }
        catch (Exception e) when (e is Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            throw new ModelRejectedException($"{ModelContract.ModelFileName} fails its test inference: {e.Message}", e);
        }

        var masked = new float[images.Length * ModelContract.Classes * ModelContract.CapsuleDims];
        for (int n = 0; n < predictions.Length; n++)
        {
            var p = predictions[n];
            RequireRange(p.Probabilities, 0, 1 + LengthSlack, "probabilities");
            RequireRange(p.Capsules, -1 - LengthSlack, 1 + LengthSlack, "capsules");
            RequireRange(p.Reconstruction, 0, 1, "reconstruction");
            int at = p.Digit * ModelContract.CapsuleDims;
            p.Capsules.AsSpan(at, ModelContract.CapsuleDims).CopyTo(masked.AsSpan(n * p.Capsules.Length + at));
        }

        float[] decoded;
        try
        {
            decoded = decoder.Decode(masked);
        }
        catch (Exception e) when (e is Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            throw new ModelRejectedException($"{ModelContract.DecoderFileName} fails its test inference: {e.Message}", e);
        }
        if (decoded.Length != images.Length * ModelContract.ImagePixels)
            throw new ModelRejectedException($"{ModelContract.DecoderFileName} returned {decoded.Length} values for {images.Length} images");
        float worst = 0;
        for (int n = 0; n < predictions.Length; n++)
        for (int i = 0; i < ModelContract.ImagePixels; i++)
            worst = MathF.Max(worst, MathF.Abs(decoded[n * ModelContract.ImagePixels + i] - predictions[n].Reconstruction[i]));
        if (!(worst <= DecoderTolerance))
            throw new ModelRejectedException(
                $"{ModelContract.DecoderFileName} does not redraw what {ModelContract.ModelFileName} reconstructs "
                + $"(largest difference {worst:G3}, tolerance {DecoderTolerance}): the two files are not one model");
    }

    private static void RequireRange(float[] values, float min, float max, string output)
    {
        foreach (var v in values)
            if (!(v >= min && v <= max))
                throw new ModelRejectedException(
                    $"{ModelContract.ModelFileName} fails its test inference: output '{output}' holds {v}, outside [{min}, {max}]");
    }

    /// <summary>An anti-aliased ellipse about the size and stroke of an MNIST zero, centred in 28×28.</summary>
    private static float[] Ring()
    {
        var pixels = new float[ModelContract.ImagePixels];
        const float cx = 13.5f, cy = 13.5f, rx = 6f, ry = 8.5f, halfStroke = 1.6f;
        for (int y = 0; y < ModelContract.ImageSide; y++)
        for (int x = 0; x < ModelContract.ImageSide; x++)
        {
            float dx = (x - cx) / rx, dy = (y - cy) / ry;
            float distance = MathF.Abs(MathF.Sqrt(dx * dx + dy * dy) - 1) * MathF.Min(rx, ry);
            pixels[y * ModelContract.ImageSide + x] = Math.Clamp(halfStroke + 0.5f - distance, 0, 1);
        }
        return pixels;
    }
}
