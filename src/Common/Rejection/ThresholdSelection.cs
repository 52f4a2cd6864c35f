namespace CapsNetService.Common.Rejection;

/// <summary>
/// Picks the <see cref="DigitAcceptance"/> thresholds from data: among all pairs (minimum capsule length, maximum
/// reconstruction error) that reject at most <c>targetFalseRejectionRate</c> of the held-out digits, the one that rejects
/// the most non-digits (ties: the one that rejects fewer digits, then the longer minimum length). The search is exact:
/// a rejected digit is either one of the shortest capsules or one of the worst reconstructions, so it tries each
/// split of the digit budget between the two (the length threshold at the digits' j-th shortest capsule, the error
/// threshold at the largest error the rest of the budget allows).
/// Also computes the baseline that thresholds the capsule length alone at the same budget, so that the value of the
/// reconstruction signal is measured, not assumed.
/// </summary>
public static class ThresholdSelection
{
    public const double DefaultTargetFalseRejectionRate = 0.01;

    /// <exception cref="ArgumentException">No digits, or a target outside [0, 1).</exception>
    public static ThresholdChoice Select(IReadOnlyList<DigitEvidence> digits, IReadOnlyList<DigitEvidence> nonDigits,
                                        double targetFalseRejectionRate = DefaultTargetFalseRejectionRate)
    {
        if (digits.Count == 0) throw new ArgumentException("threshold selection needs held-out digits", nameof(digits));
        if (!(targetFalseRejectionRate >= 0 && targetFalseRejectionRate < 1))
            throw new ArgumentOutOfRangeException(nameof(targetFalseRejectionRate), "the target false rejection rate must be in [0, 1)");

        int budget = (int)Math.Floor(targetFalseRejectionRate * digits.Count + 1e-9);
        var lengths = digits.Select(d => d.CapsuleLength).Order().Distinct().ToArray();

        DigitAcceptance? best = null;
        (int Rejected, int DigitsRejected) bestScore = (-1, int.MaxValue);
        // Each distinct length among the shortest budget+1 is a candidate minimum (the first one rejects no digit by length).
        foreach (var minLength in lengths.Take(budget + 1))
        {
            var byLength = digits.Count(d => d.CapsuleLength < minLength);
            if (byLength > budget) break;
            var errors = digits.Where(d => d.CapsuleLength >= minLength).Select(d => d.ReconstructionError).Order().ToArray();
            int left = budget - byLength;
            // Reject the `left` worst reconstructions (ties with the threshold are accepted: never more than `left`).
            double maxError = left == 0 ? errors[^1] : errors[errors.Length - 1 - left];
            var rule = new DigitAcceptance(minLength, maxError);
            var score = (nonDigits.Count(n => !rule.Accepts(n)), digits.Count(d => !rule.Accepts(d)));
            if (score.Item2 > budget) continue;
            if (score.Item1 > bestScore.Rejected || (score.Item1 == bestScore.Rejected && score.Item2 <= bestScore.DigitsRejected))
            {
                best = rule;
                bestScore = score;
            }
        }

        double lengthOnly = LengthOnlyThreshold(lengths, digits, budget);
        var baseline = new DigitAcceptance(lengthOnly, double.PositiveInfinity);
        return new ThresholdChoice(best!, lengthOnly,
            Rate(digits, d => !best!.Accepts(d)), Rate(nonDigits, n => !best!.Accepts(n)),
            Rate(digits, d => !baseline.Accepts(d)), Rate(nonDigits, n => !baseline.Accepts(n)));
    }

    /// <summary>The longest minimum capsule length that rejects at most <paramref name="budget"/> digits.</summary>
    private static double LengthOnlyThreshold(double[] distinctLengths, IReadOnlyList<DigitEvidence> digits, int budget)
    {
        double threshold = distinctLengths[0];
        foreach (var candidate in distinctLengths)
        {
            if (digits.Count(d => d.CapsuleLength < candidate) > budget) break;
            threshold = candidate;
        }
        return threshold;
    }

    public static double Rate(IReadOnlyCollection<DigitEvidence> items, Func<DigitEvidence, bool> counted) =>
        items.Count == 0 ? 0 : (double)items.Count(counted) / items.Count;
}

/// <summary>What <see cref="ThresholdSelection.Select"/> chose, and its rates on the data it chose them from.</summary>
/// <param name="Rule">The two thresholds.</param>
/// <param name="LengthOnlyMinCapsuleLength">The baseline: the capsule length alone, at the same digit budget.</param>
public sealed record ThresholdChoice(DigitAcceptance Rule, double LengthOnlyMinCapsuleLength,
                                     double DigitFalseRejectionRate, double NonDigitRejectionRate,
                                     double LengthOnlyDigitFalseRejectionRate, double LengthOnlyNonDigitRejectionRate)
{
    public DigitAcceptance LengthOnlyRule => new(LengthOnlyMinCapsuleLength, double.PositiveInfinity);
}
