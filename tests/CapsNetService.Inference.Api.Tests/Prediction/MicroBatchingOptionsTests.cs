
namespace CapsNetService.Inference.Api.Tests.Prediction;

/// <summary>Inference:Batching: the defaults work; values that cannot work stop the start with the key named.</summary>
public sealed class MicroBatchingOptionsTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        var defaults = new MicroBatchingOptions();
        Assert.True(new MicroBatchingOptions.Validator().Validate(null, defaults).Succeeded);
        Assert.True(defaults.Enabled);   // on by default: it won in docs/benchmarks.md's HTTP runs
        Assert.Equal(32, defaults.MaxBatchSize);
        Assert.Equal(2, defaults.MaxDelayMilliseconds);
    }

    [Theory]
    [InlineData(0, 2, "Inference:Batching:MaxBatchSize")]
    [InlineData(5000, 2, "Inference:Batching:MaxBatchSize")]
    [InlineData(32, -1, "Inference:Batching:MaxDelayMilliseconds")]
    [InlineData(32, 60_000, "Inference:Batching:MaxDelayMilliseconds")]
    [InlineData(32, double.NaN, "Inference:Batching:MaxDelayMilliseconds")]
    public void A_bad_value_is_named(int maxBatchSize, double maxDelay, string key)
    {
        var result = new MicroBatchingOptions.Validator().Validate(null,
            new MicroBatchingOptions { Enabled = true, MaxBatchSize = maxBatchSize, MaxDelayMilliseconds = maxDelay });
        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage);
    }

    [Fact]
    public void A_delay_of_zero_is_allowed()
    {
        Assert.True(new MicroBatchingOptions.Validator().Validate(null, new MicroBatchingOptions { MaxDelayMilliseconds = 0 }).Succeeded);
    }

    [Fact]
    public void The_service_does_not_start_with_a_batch_size_of_zero()
    {
        using var models = new TemporaryDirectory();
        var (exitCode, output) = ServiceProcess.RunToExit(TimeSpan.FromSeconds(60),
            "--model-dir", models.Path, "--Inference:Batching:MaxBatchSize", "0");
        Assert.True(exitCode == 2, $"exit code {exitCode}\n{output}");
        Assert.Contains("capsnet-api: Inference:Batching:MaxBatchSize must be between 1 and 1024; got 0", output);
    }
}
