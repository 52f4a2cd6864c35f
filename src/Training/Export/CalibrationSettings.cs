using CapsNetService.Common.Rejection;

namespace CapsNetService.Training.Export;

/// <summary>How <see cref="RejectionCalibrator"/> chooses and measures the rejection thresholds.</summary>
/// <param name="TargetFalseRejectionRate">The share of held-out digits the thresholds may reject.</param>
/// <param name="NonDigitsPerKind">Generated non-digits of each kind, for calibration and again for evaluation.</param>
/// <param name="CalibrationSeed">Seed of the non-digits the thresholds are chosen on.</param>
/// <param name="EvaluationSeed">Seed of the non-digits (and of the digit transformations) they are measured on.</param>
/// <param name="ValidationImages">The held-out digits: the last this many MNIST training images.</param>
public sealed record CalibrationSettings(
    double TargetFalseRejectionRate = ThresholdSelection.DefaultTargetFalseRejectionRate,
    int NonDigitsPerKind = 1000,
    int CalibrationSeed = 1,
    int EvaluationSeed = 2,
    int ValidationImages = 5000)
{
    public IEnumerable<string> Validate()
    {
        if (!(TargetFalseRejectionRate is >= 0 and < 1)) yield return "--target-frr must be in [0, 1), e.g. 0.01";
        if (NonDigitsPerKind < 1) yield return "--non-digits-per-kind must be at least 1";
        if (ValidationImages < 100) yield return "the validation split needs at least 100 images";
        if (CalibrationSeed == EvaluationSeed) yield return "the calibration and evaluation seeds must differ";
    }
}
