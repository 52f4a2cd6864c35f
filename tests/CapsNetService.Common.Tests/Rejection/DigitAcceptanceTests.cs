using CapsNetService.Common.Rejection;

namespace CapsNetService.Common.Tests.Rejection;

public class DigitAcceptanceTests
{
    [Fact]
    public void The_evidence_is_the_longest_capsule_and_the_mean_squared_reconstruction_error()
    {
        float[] lengths = [0.1f, 0.05f, 0.8f, 0.3f, 0, 0, 0, 0, 0.2f, 0.9f];
        var input = new float[ModelContract.ImagePixels];
        var reconstruction = new float[ModelContract.ImagePixels];
        input[0] = 1f;              // one pixel off by 1
        reconstruction[1] = 0.5f;   // another off by 0.5

        var evidence = DigitEvidence.Of(lengths, input, reconstruction);

        Assert.Equal(0.9, evidence.CapsuleLength, 6);
        Assert.Equal((1.0 + 0.25) / ModelContract.ImagePixels, evidence.ReconstructionError, 12);
        Assert.Equal(0, DigitEvidence.MeanSquaredError(input, input));
    }

    [Fact]
    public void Images_of_the_wrong_size_are_refused()
    {
        Assert.Throws<ArgumentException>(() => DigitEvidence.MeanSquaredError(new float[10], new float[ModelContract.ImagePixels]));
        Assert.Throws<ArgumentException>(() => DigitEvidence.Of(new float[9], new float[ModelContract.ImagePixels], new float[ModelContract.ImagePixels]));
    }

    [Theory]
    [InlineData(0.8, 0.01, true)]
    [InlineData(0.5, 0.02, true)]     // both exactly on their thresholds
    [InlineData(0.49, 0.01, false)]   // capsule too short
    [InlineData(0.9, 0.021, false)]   // reconstruction too poor
    [InlineData(0.1, 0.5, false)]
    public void A_digit_needs_a_long_enough_capsule_and_a_close_enough_reconstruction(double length, double error, bool accepted)
    {
        var rule = new DigitAcceptance(0.5, 0.02);
        var evidence = new DigitEvidence(length, error);
        Assert.Equal(accepted, rule.Accepts(evidence));
        Assert.Equal(length < 0.5, rule.CapsuleTooShort(evidence));
        Assert.Equal(error > 0.02, rule.ReconstructionTooPoor(evidence));
        Assert.True(DigitAcceptance.AcceptAll.Accepts(evidence));
    }
}
