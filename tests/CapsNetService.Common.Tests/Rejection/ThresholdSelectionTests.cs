using CapsNetService.Common.Rejection;

namespace CapsNetService.Common.Tests.Rejection;

/// <summary>Threshold selection on synthetic distributions whose best answer is known.</summary>
public class ThresholdSelectionTests
{
    /// <summary>Digits: long capsules, small errors. Non-digits: half of them have digit-like lengths but large errors,
    /// so only the reconstruction catches them; the other half have short capsules.</summary>
    private static (DigitEvidence[] Digits, DigitEvidence[] NonDigits) Synthetic(int seed)
    {
        var random = new Random(seed);
        var digits = Enumerable.Range(0, 2000)
            .Select(_ => new DigitEvidence(0.6 + 0.4 * random.NextDouble(), 0.01 + 0.02 * random.NextDouble())).ToArray();
        var nonDigits = Enumerable.Range(0, 1000)
            .Select(i => i % 2 == 0
                ? new DigitEvidence(0.6 + 0.4 * random.NextDouble(), 0.05 + 0.05 * random.NextDouble())
                : new DigitEvidence(0.5 * random.NextDouble(), 0.01 + 0.09 * random.NextDouble()))
            .ToArray();
        return (digits, nonDigits);
    }

    [Fact]
    public void Meets_the_digit_budget_and_uses_the_reconstruction_where_the_length_cannot_tell()
    {
        var (digits, nonDigits) = Synthetic(1);
        var choice = ThresholdSelection.Select(digits, nonDigits, 0.01);

        Assert.True(choice.DigitFalseRejectionRate <= 0.01, $"rejects {choice.DigitFalseRejectionRate:P2} of digits");
        Assert.Equal(1.0, choice.NonDigitRejectionRate);    // separable: every non-digit caught
        Assert.InRange(choice.Rule.MaxReconstructionError, 0.01, 0.05);
        Assert.InRange(choice.Rule.MinCapsuleLength, 0.5, 0.61);
        // The length alone cannot catch the half with digit-like capsules.
        Assert.InRange(choice.LengthOnlyNonDigitRejectionRate, 0.45, 0.55);
        Assert.True(choice.LengthOnlyDigitFalseRejectionRate <= 0.01);
        Assert.Equal(double.PositiveInfinity, choice.LengthOnlyRule.MaxReconstructionError);
    }

    [Fact]
    public void Finds_the_best_pair_among_all_that_meet_the_budget()
    {
        var random = new Random(7);
        var digits = Enumerable.Range(0, 300).Select(_ => new DigitEvidence(random.NextDouble(), random.NextDouble())).ToArray();
        var nonDigits = Enumerable.Range(0, 200).Select(_ => new DigitEvidence(random.NextDouble() * 0.8, random.NextDouble() * 1.2)).ToArray();
        const double target = 0.05;

        var choice = ThresholdSelection.Select(digits, nonDigits, target);

        // Brute force over every pair of observed digit values.
        int best = 0;
        foreach (var length in digits.Select(d => d.CapsuleLength))
        foreach (var error in digits.Select(d => d.ReconstructionError))
        {
            var rule = new DigitAcceptance(length, error);
            if (digits.Count(d => !rule.Accepts(d)) > target * digits.Length) continue;
            best = Math.Max(best, nonDigits.Count(n => !rule.Accepts(n)));
        }
        Assert.Equal(best, nonDigits.Count(n => !choice.Rule.Accepts(n)));
        Assert.True(digits.Count(d => !choice.Rule.Accepts(d)) <= target * digits.Length);
    }

    [Fact]
    public void A_zero_budget_rejects_no_held_out_digit()
    {
        var (digits, nonDigits) = Synthetic(2);
        var choice = ThresholdSelection.Select(digits, nonDigits, 0);
        Assert.Equal(0, choice.DigitFalseRejectionRate);
        Assert.All(digits, d => Assert.True(choice.Rule.Accepts(d)));
        Assert.Equal(digits.Min(d => d.CapsuleLength), choice.LengthOnlyMinCapsuleLength);
    }

    [Fact]
    public void Refuses_what_it_cannot_work_with()
    {
        var (digits, nonDigits) = Synthetic(3);
        Assert.Throws<ArgumentException>(() => ThresholdSelection.Select([], nonDigits));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdSelection.Select(digits, nonDigits, 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdSelection.Select(digits, nonDigits, double.NaN));
    }
}
