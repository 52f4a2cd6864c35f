namespace CapsNetService.Training.Export;

/// <summary>How far ONNX Runtime's answers are from TorchSharp's for the same images.</summary>
public sealed record ParityReport(int Images, double MaxProbabilityDifference, double MaxCapsuleDifference,
                                  double MaxReconstructionDifference, double MaxDecoderDifference, int ArgmaxDisagreements)
{
    public const double Tolerance = 1e-4;

    public bool Passed => MaxProbabilityDifference <= Tolerance && MaxCapsuleDifference <= Tolerance
                          && MaxReconstructionDifference <= Tolerance
                          && MaxDecoderDifference <= Tolerance && ArgmaxDisagreements == 0;

    public override string ToString() =>
        $"{Images} images: max |Δ| probabilities {MaxProbabilityDifference:E2}, capsules {MaxCapsuleDifference:E2}, "
        + $"reconstruction {MaxReconstructionDifference:E2}, decoder {MaxDecoderDifference:E2}; "
        + $"{ArgmaxDisagreements} argmax disagreement(s)";
}
