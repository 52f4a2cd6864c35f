using CapsNetService.LoadTest.Measurement;

namespace CapsNetService.Tools.Tests.LoadTest;

/// <summary>The batch size histogram read from GET /metrics, and the window between two readings.</summary>
public sealed class BatchSizeDistributionTests
{
    private static string Exposition(long le1, long le2, long le4, long le8, long inf, double sum) => $$"""
        # HELP capsnet_inference_batch_size Images per ONNX Runtime call of the classifier.
        # TYPE capsnet_inference_batch_size histogram
        capsnet_inference_batch_size_sum {{sum}}
        capsnet_inference_batch_size_count {{inf}}
        capsnet_inference_batch_size_bucket{le="1"} {{le1}}
        capsnet_inference_batch_size_bucket{le="2"} {{le2}}
        capsnet_inference_batch_size_bucket{le="4"} {{le4}}
        capsnet_inference_batch_size_bucket{le="8"} {{le8}}
        capsnet_inference_batch_size_bucket{le="+Inf"} {{inf}}
        capsnet_decoder_batch_size_count 99
        """;

    [Fact]
    public void Cumulative_buckets_become_calls_per_bucket()
    {
        var d = BatchSizeDistribution.Parse(Exposition(2, 5, 9, 10, 10, 31))!;
        Assert.Equal(10, d.Calls);
        Assert.Equal(3.1, d.Mean, 9);
        Assert.Equal([2L, 3, 4, 1, 0], d.Buckets.Select(b => b.Calls));
        Assert.True(double.IsPositiveInfinity(d.Buckets[^1].UpTo));
        Assert.Equal("1: 20 %, 2: 30 %, 3–4: 40 %, 5–8: 10 %", d.Describe());
    }

    [Fact]
    public void The_window_is_the_later_reading_less_the_earlier()
    {
        var before = BatchSizeDistribution.Parse(Exposition(2, 5, 9, 10, 10, 31));
        var after = BatchSizeDistribution.Parse(Exposition(2, 5, 29, 50, 50, 31 + 20 * 4 + 20 * 6))!;
        var window = after.Since(before);
        Assert.Equal(40, window.Calls);
        Assert.Equal(5.0, window.Mean, 9);
        Assert.Equal([0L, 0, 20, 20, 0], window.Buckets.Select(b => b.Calls));
        Assert.Equal("3–4: 50 %, 5–8: 50 %", window.Describe());
    }

    [Fact]
    public void Without_the_histogram_there_is_nothing_and_without_calls_no_mean()
    {
        Assert.Null(BatchSizeDistribution.Parse("capsnet_model_loaded 1\n"));
        var empty = BatchSizeDistribution.Parse(Exposition(0, 0, 0, 0, 0, 0))!;
        Assert.True(double.IsNaN(empty.Mean));
        Assert.Equal("no calls", empty.Describe());
    }
}
