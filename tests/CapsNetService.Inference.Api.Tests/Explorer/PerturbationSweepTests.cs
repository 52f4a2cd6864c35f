
namespace CapsNetService.Inference.Api.Tests.Explorer;

/// <summary>The offsets of POST /explore: the paper's by default, symmetric, with an exact 0 in the middle when odd.</summary>
public sealed class PerturbationSweepTests
{
    [Fact]
    public void The_default_is_the_papers_minus_a_quarter_to_a_quarter_in_11_steps()
    {
        Assert.True(PerturbationSweep.TryCreate(null, null, out var sweep, out var error), error);
        Assert.Same(PerturbationSweep.Default, sweep);
        Assert.Equal([-0.25f, -0.2f, -0.15f, -0.1f, -0.05f, 0f, 0.05f, 0.1f, 0.15f, 0.2f, 0.25f], sweep.Offsets);
        Assert.Equal(5, sweep.ZeroColumn);
    }

    [Theory]
    [InlineData(2, 1.0)]
    [InlineData(3, 0.3)]
    [InlineData(7, 0.7)]
    [InlineData(20, 0.5)]
    [InlineData(21, 0.05)]
    public void Offsets_are_symmetric_even_and_zero_in_the_middle(int steps, double range)
    {
        Assert.True(PerturbationSweep.TryCreate(steps, range, out var sweep, out _));
        var offsets = sweep.Offsets;
        Assert.Equal(steps, offsets.Length);
        Assert.Equal((float)-range, offsets[0]);
        Assert.Equal((float)range, offsets[^1]);
        for (int k = 0; k < steps; k++) Assert.Equal(-offsets[k], offsets[steps - 1 - k]);
        for (int k = 1; k < steps; k++) Assert.Equal(2 * range / (steps - 1), offsets[k] - offsets[k - 1], 5);
        if (steps % 2 == 1) Assert.Equal(0f, offsets[sweep.ZeroColumn!.Value]);
        else Assert.Null(sweep.ZeroColumn);
    }

    [Theory]
    [InlineData(1, 0.25, "steps is 1")]
    [InlineData(22, 0.25, "steps is 22")]
    [InlineData(-3, 0.25, "steps is -3")]
    [InlineData(11, 0.0, "range is 0")]
    [InlineData(11, -0.25, "range is -0.25")]
    [InlineData(11, 1.01, "range is 1.01")]
    [InlineData(11, double.NaN, "range is NaN")]
    public void Out_of_bounds_options_are_refused_with_their_bounds(int steps, double range, string mention)
    {
        Assert.False(PerturbationSweep.TryCreate(steps, range, out _, out var error));
        Assert.Contains(mention, error);
    }

    [Fact]
    public void An_option_given_twice_is_refused()
    {
        var query = SweepOptions.Parse("5", null, "in the query");
        var form = SweepOptions.Parse("7", "0.5", "in the form");
        var error = Assert.Throws<ApiProblem>(() => SweepOptions.Resolve(query, form));
        Assert.Equal("steps is given both in the query and in the form; give it once.", error.Detail);
        Assert.Equal("invalid-option", error.Code);

        var rangeOnly = SweepOptions.Parse(null, "0.5", "in the query");
        var sweep = SweepOptions.Resolve(rangeOnly, SweepOptions.None("in the body") with { Steps = 3 });
        Assert.Equal([-0.5f, 0f, 0.5f], sweep.Offsets);
    }
}
