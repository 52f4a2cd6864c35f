using CapsNetService.Common;
using CapsNetService.Inference.Api.Imaging;
using CapsNetService.Inference.Api.Prediction;

namespace CapsNetService.Inference.Api.Contracts;

/// <summary>The model's answer for one image.</summary>
public class PredictionResponse
{
    public PredictionResponse(PredictedImage image, string modelVersion, TimeSpan inferenceTime)
    {
        var prediction = image.Prediction;
        Digit = prediction.Digit;
        Probabilities = prediction.Probabilities;
        Capsules = new float[ModelContract.Classes][];
        for (int digit = 0; digit < Capsules.Length; digit++)
            Capsules[digit] = prediction.Capsules.AsSpan(digit * ModelContract.CapsuleDims, ModelContract.CapsuleDims).ToArray();
        Reconstruction = GreyscalePng.EncodeBase64(prediction.Reconstruction);
        ModelInput = GreyscalePng.EncodeBase64(image.Input.Pixels);
        ModelVersion = modelVersion;
        InferenceMilliseconds = Math.Round(inferenceTime.TotalMilliseconds, 3);
        Preprocessing = new PreprocessingInfo
        {
            Inverted = image.Input.Inverted,
            PassedThrough = image.Input.PassedThrough,
            OriginalWidth = image.Input.OriginalWidth,
            OriginalHeight = image.Input.OriginalHeight,
        };
    }

    /// <summary>The predicted digit: the one whose capsule is longest.</summary>
    /// <example>7</example>
    public int Digit { get; }

    /// <summary>
    /// The length of each digit capsule, indexed by digit (probabilities[3] is for 3). Each is in [0, 1]; being
    /// capsule lengths and not a softmax, they need not sum to 1.
    /// </summary>
    /// <example>[0.012, 0.020, 0.031, 0.018, 0.009, 0.011, 0.004, 0.987, 0.022, 0.041]</example>
    public float[] Probabilities { get; }

    /// <summary>The 10 digit capsules, indexed by digit, each a 16-dimensional vector (its length is the probability).</summary>
    /// <example>[[0.001, -0.002, 0.0, 0.003, 0.0, -0.001, 0.002, 0.0, 0.001, 0.0, -0.001, 0.002, 0.0, 0.001, 0.0, 0.001]]</example>
    public float[][] Capsules { get; }

    /// <summary>The decoder's redrawing of the digit from its capsule: a 28×28 greyscale PNG, base64-encoded.</summary>
    /// <example>iVBORw0KGgoAAAANSUhEUgAAABwAAAAcCAAAAABXZoBIAAAAFklEQVR42mNgGHrg////o7IjVnbgAACeyjLOT5E9LAAAAABJRU5ErkJggg==</example>
    public string Reconstruction { get; }

    /// <summary>What the model was given: the upload after preprocessing, a 28×28 greyscale PNG, base64-encoded.</summary>
    /// <example>iVBORw0KGgoAAAANSUhEUgAAABwAAAAcCAAAAABXZoBIAAAAFklEQVR42mNgGHrg////o7IjVnbgAACeyjLOT5E9LAAAAABJRU5ErkJggg==</example>
    public string ModelInput { get; }

    /// <summary>The version of the model that answered (from its metadata).</summary>
    /// <example>20261128-e30-6c2398ec</example>
    public string ModelVersion { get; }

    /// <summary>
    /// Time of the ONNX Runtime call that computed this answer, in milliseconds (in a batch: the one call for
    /// the whole batch).
    /// </summary>
    /// <example>12.4</example>
    public double InferenceMilliseconds { get; }

    /// <summary>What the preprocessing did.</summary>
    public PreprocessingInfo Preprocessing { get; }
}
