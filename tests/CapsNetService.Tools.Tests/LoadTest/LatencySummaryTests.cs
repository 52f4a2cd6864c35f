using CapsNetService.LoadTest.Measurement;

namespace CapsNetService.Tools.Tests.LoadTest;

public sealed class LatencySummaryTests
{
    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        var summary = LatencySummary.Of(Enumerable.Range(1, 100).Select(i => (double)i).Reverse());
        Assert.Equal((100, 50.5, 50.0, 95.0, 99.0, 100.0), (summary.Count, summary.Mean, summary.P50, summary.P95, summary.P99, summary.Max));

        var few = LatencySummary.Of([10, 30, 20]);
        Assert.Equal(20, few.P50);   // rank ceil(1.5) = 2
        Assert.Equal(30, few.P99);
    }

    [Fact]
    public void No_latencies_give_zeros() => Assert.Equal(0, LatencySummary.Of([]).Count);
}
