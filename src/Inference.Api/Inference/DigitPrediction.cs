namespace CapsNetService.Inference.Api.Inference;

/// <summary>What the classifier graph says about one image.</summary>
/// <param name="Digit">The class whose capsule is longest.</param>
/// <param name="Probabilities">The 10 capsule lengths, indexed by digit (not a softmax; each in [0, 1]).</param>
/// <param name="Capsules">The 10 digit capsules of 16 values, row-major [10, 16].</param>
/// <param name="Reconstruction">The decoder's 28×28 image for the longest capsule, row-major, in [0, 1].</param>
public sealed record DigitPrediction(int Digit, float[] Probabilities, float[] Capsules, float[] Reconstruction);
