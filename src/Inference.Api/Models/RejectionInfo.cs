using CapsNetService.Common.Rejection;

namespace CapsNetService.Inference.Api.Models;

/// <summary>How the serving model tells a digit from anything else (GET /model): its calibrated thresholds and the
/// rates measured with them, or that it is uncalibrated and takes every image for a digit.</summary>
public sealed class RejectionInfo
{
    /// <summary>calibrated or uncalibrated.</summary>
    /// <example>calibrated</example>
    public required string Status { get; init; }

    /// <summary>The rule, in words.</summary>
    /// <example>An image is a digit when its longest capsule is at least 0.52 long and its reconstruction error is at most 0.031.</example>
    public required string Description { get; init; }

    /// <summary>The thresholds and measured rates; null when uncalibrated.</summary>
    public RejectionCalibration? Calibration { get; init; }

    public static RejectionInfo Of(ModelMetadata metadata) => metadata.Rejection is { } calibration
        ? new RejectionInfo
        {
            Status = "calibrated",
            Description = string.Create(CultureInfo.InvariantCulture,
                $"An image is a digit when its longest capsule is at least {calibration.MinCapsuleLength:0.####} long and its "
                + $"reconstruction error is at most {calibration.MaxReconstructionError:0.#####}. Measured: {calibration.TestFalseRejectionRate:P2} "
                + $"of the MNIST test digits rejected, {calibration.NonDigitRejectionRate:P1} of generated non-digits rejected "
                + $"(the capsule length alone: {calibration.LengthOnlyNonDigitRejectionRate:P1})."),
            Calibration = calibration,
        }
        : new RejectionInfo
        {
            Status = "uncalibrated",
            Description = "This model carries no rejection thresholds (capsnet-train calibrate adds them), so every image is "
                          + "taken for a digit: isDigit is always true and ?reject=true refuses nothing.",
        };
}
