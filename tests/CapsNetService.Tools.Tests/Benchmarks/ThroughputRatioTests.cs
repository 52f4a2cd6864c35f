using CapsNetService.Benchmarks.Measurement;

namespace CapsNetService.Tools.Tests.Benchmarks;

public sealed class ThroughputRatioTests
{
    [Theory]
    [InlineData(1.0, 1, 1)]
    [InlineData(3.0, 3, 3)]
    [InlineData(3.25, 3, 4)]
    [InlineData(7.99, 7, 8)]
    public void A_mean_batch_lies_between_two_whole_sizes(double mean, int lower, int upper) =>
        Assert.Equal((lower, upper), ThroughputRatio.Bracket(mean));

    [Fact]
    public void The_raw_rate_is_interpolated_between_them()
    {
        Assert.Equal(110, ThroughputRatio.RawAt(3.25, 100, 140), 9);
        Assert.Equal(100, ThroughputRatio.RawAt(3, 100, 999), 9);
    }

    [Fact]
    public void Efficiency_is_requests_over_raw_images()
    {
        Assert.Equal(0.8, ThroughputRatio.Efficiency(88, 110), 9);
        Assert.True(double.IsNaN(ThroughputRatio.Efficiency(88, 0)));
    }

    [Fact]
    public void Per_core_second_each_side_is_divided_by_the_cpu_it_used()
    {
        // 40 req/s on 0.5 cores = 80 per core-second; 100 images/s on 1.0 core = 100: 80 %.
        Assert.Equal(0.8, ThroughputRatio.EfficiencyPerCore(40, 0.5, 100, 1.0), 9);
        Assert.True(double.IsNaN(ThroughputRatio.EfficiencyPerCore(40, 0, 100, 1.0)));
        Assert.True(double.IsNaN(ThroughputRatio.EfficiencyPerCore(40, 0.5, 100, double.NaN)));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(double.NaN)]
    public void A_mean_batch_below_one_is_refused(double mean) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ThroughputRatio.Bracket(mean));

    [Fact]
    public void Open_loop_rates_are_fractions_of_the_capacity()
    {
        Assert.Equal([60.0, 96.0], ThroughputRatio.Rates(120, [0.5, 0.8]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThroughputRatio.Rates(0, [0.5]));
    }
}
