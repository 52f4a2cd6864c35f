using System.Text.Json.Serialization;

namespace CapsNetService.Common.Rejection;

/// <summary>
/// The thresholds of a model's <see cref="DigitAcceptance"/> rule, chosen at export time by <c>capsnet-train calibrate</c>,
/// and the rates measured with them on data the choice never saw. Part of <see cref="ModelMetadata"/>; a model without
/// it rejects nothing.
/// </summary>
public sealed record RejectionCalibration
{
    /// <summary>Accept only when the longest capsule is at least this long…</summary>
    public required double MinCapsuleLength { get; init; }

    /// <summary>…and the reconstruction's mean squared error is at most this.</summary>
    public required double MaxReconstructionError { get; init; }

    /// <summary>The share of held-out digits the thresholds were allowed to reject.</summary>
    public required double TargetFalseRejectionRate { get; init; }

    /// <summary>The baseline: the minimum capsule length that, alone, rejects the same share of held-out digits.</summary>
    public required double LengthOnlyMinCapsuleLength { get; init; }

    /// <summary>What the thresholds were chosen on, in words.</summary>
    public required string CalibratedOn { get; init; }

    public required int CalibrationSeed { get; init; }
    public required int EvaluationSeed { get; init; }
    public required DateTimeOffset CalibratedAt { get; init; }

    /// <summary>MNIST test digits measured (none of them used to choose).</summary>
    public required int TestDigits { get; init; }

    /// <summary>Share of MNIST test digits the rule rejects.</summary>
    public required double TestFalseRejectionRate { get; init; }

    /// <summary>Accuracy on the MNIST test digits the rule accepts.</summary>
    public required double TestAccuracyOnAccepted { get; init; }

    public required double LengthOnlyTestFalseRejectionRate { get; init; }

    /// <summary>Generated non-digits measured (the evaluation seed's set, not the calibration seed's).</summary>
    public required int NonDigits { get; init; }

    /// <summary>Share of those non-digits the rule rejects.</summary>
    public required double NonDigitRejectionRate { get; init; }

    public required double LengthOnlyNonDigitRejectionRate { get; init; }

    /// <summary>The same, by kind of non-digit.</summary>
    public required IReadOnlyList<NonDigitClassRate> NonDigitClasses { get; init; }

    /// <summary>Real MNIST test digits, shifted, rotated or thickened: how many are still accepted, and how accurately.</summary>
    public IReadOnlyList<TransformedDigitRate> TransformedDigits { get; init; } = [];

    [JsonIgnore]
    public DigitAcceptance Rule => new(MinCapsuleLength, MaxReconstructionError);

    [JsonIgnore]
    public DigitAcceptance LengthOnlyRule => new(LengthOnlyMinCapsuleLength, double.PositiveInfinity);

    // The lists compare by content, so that metadata read back from a file equals what was written.
    public bool Equals(RejectionCalibration? other) =>
        other is not null
        && MinCapsuleLength.Equals(other.MinCapsuleLength) && MaxReconstructionError.Equals(other.MaxReconstructionError)
        && TargetFalseRejectionRate.Equals(other.TargetFalseRejectionRate)
        && LengthOnlyMinCapsuleLength.Equals(other.LengthOnlyMinCapsuleLength) && CalibratedOn == other.CalibratedOn
        && CalibrationSeed == other.CalibrationSeed && EvaluationSeed == other.EvaluationSeed && CalibratedAt.Equals(other.CalibratedAt)
        && TestDigits == other.TestDigits && TestFalseRejectionRate.Equals(other.TestFalseRejectionRate)
        && TestAccuracyOnAccepted.Equals(other.TestAccuracyOnAccepted)
        && LengthOnlyTestFalseRejectionRate.Equals(other.LengthOnlyTestFalseRejectionRate)
        && NonDigits == other.NonDigits && NonDigitRejectionRate.Equals(other.NonDigitRejectionRate)
        && LengthOnlyNonDigitRejectionRate.Equals(other.LengthOnlyNonDigitRejectionRate)
        && NonDigitClasses.SequenceEqual(other.NonDigitClasses) && TransformedDigits.SequenceEqual(other.TransformedDigits);

    public override int GetHashCode() => HashCode.Combine(MinCapsuleLength, MaxReconstructionError, CalibratedAt, NonDigitClasses.Count);
}

/// <summary>One kind of generated non-digit: how many were measured and what share each rule rejects.</summary>
public sealed record NonDigitClassRate(string Kind, int Count, double RejectionRate, double LengthOnlyRejectionRate);

/// <summary>Real digits under one transformation: the share the rule accepts, and the accuracy on those.</summary>
public sealed record TransformedDigitRate(string Transform, int Count, double AcceptedRate, double AccuracyOnAccepted,
                                          double LengthOnlyAcceptedRate);
