namespace CapsNetService.Common.Rejection;

/// <summary>
/// The rule that says whether an input is a digit the model can read: its winning capsule must be at least
/// <paramref name="MinCapsuleLength"/> long AND the decoder must redraw it within <paramref name="MaxReconstructionError"/>.
/// The two thresholds are not chosen by hand: <see cref="ThresholdSelection"/> picks them from data at export time,
/// and the model's metadata carries them (<see cref="RejectionCalibration"/>).
/// </summary>
public sealed record DigitAcceptance(double MinCapsuleLength, double MaxReconstructionError)
{
    /// <summary>A rule that accepts everything (an uncalibrated model rejects nothing).</summary>
    public static DigitAcceptance AcceptAll { get; } = new(double.NegativeInfinity, double.PositiveInfinity);

    public bool Accepts(DigitEvidence evidence) =>
        evidence.CapsuleLength >= MinCapsuleLength && evidence.ReconstructionError <= MaxReconstructionError;

    /// <summary>True when the capsule is too short (whatever the error).</summary>
    public bool CapsuleTooShort(DigitEvidence evidence) => evidence.CapsuleLength < MinCapsuleLength;

    /// <summary>True when the reconstruction is too far from the input (whatever the length).</summary>
    public bool ReconstructionTooPoor(DigitEvidence evidence) => evidence.ReconstructionError > MaxReconstructionError;
}
