
namespace CapsNetService.Inference.Api.Tests.Hosting;

/// <summary>Options that cannot work stop the service at start-up with a message naming the key.</summary>
public sealed class OptionsValidationTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.True(new InferenceOptions.Validator().Validate(null, new InferenceOptions()).Succeeded);
        Assert.True(new UploadLimitsOptions.Validator().Validate(null, new UploadLimitsOptions()).Succeeded);
        Assert.Equal(ExecutionProviderPreference.Auto, new InferenceOptions().ProviderPreference);
    }

    [Theory]
    [InlineData("gpu", "Inference:Provider")]
    [InlineData("", "Inference:Provider")]
    public void An_unknown_provider_is_named(string provider, string key)
    {
        var result = new InferenceOptions.Validator().Validate(null, new InferenceOptions { Provider = provider });
        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage);
        Assert.Contains("auto, cuda or cpu", result.FailureMessage);
    }

    [Theory]
    [InlineData("bf16", "cpu", "Inference:Precision (--precision) must be auto, fp32 or int8; got 'bf16'")]
    [InlineData("", "cpu", "Inference:Precision (--precision) must be auto, fp32 or int8")]
    [InlineData("int8", "cuda", "Inference:Precision=int8 runs on the CPU provider")]
    public void A_precision_that_cannot_work_is_named(string precision, string provider, string message)
    {
        var result = new InferenceOptions.Validator().Validate(null, new InferenceOptions { Precision = precision, Provider = provider });
        Assert.True(result.Failed);
        Assert.Contains(message, result.FailureMessage);
    }

    [Theory]
    [InlineData("auto", "auto", ModelPrecision.Auto)]
    [InlineData("INT8", "cpu", ModelPrecision.Int8)]
    [InlineData("fp32", "cuda", ModelPrecision.Fp32)]
    public void A_precision_that_can_work_is_accepted(string precision, string provider, ModelPrecision parsed)
    {
        var options = new InferenceOptions { Precision = precision, Provider = provider };
        Assert.True(new InferenceOptions.Validator().Validate(null, options).Succeeded);
        Assert.Equal(parsed, options.PrecisionPreference);
    }

    [Fact]
    public void Bad_numbers_are_named()
    {
        var inference = new InferenceOptions.Validator().Validate(null,
            new InferenceOptions { IntraOpThreads = -1, ReloadPollSeconds = 0 });
        Assert.Contains("Inference:IntraOpThreads", inference.FailureMessage);
        Assert.Contains("Inference:ReloadPollSeconds", inference.FailureMessage);

        var uploads = new UploadLimitsOptions.Validator().Validate(null,
            new UploadLimitsOptions { MaxBatchImages = 0, MaxRequestBytes = 10, MaxImagePixels = 0 });
        Assert.Contains("Uploads:MaxBatchImages", uploads.FailureMessage);
        Assert.Contains("Uploads:MaxRequestBytes", uploads.FailureMessage);
        Assert.Contains("Uploads:MaxImagePixels", uploads.FailureMessage);

        // A request budget under one image's limit could refuse an image the per-image limits let through.
        var budget = new UploadLimitsOptions.Validator().Validate(null, new UploadLimitsOptions { MaxRequestPixels = 1_000_000 });
        Assert.Contains("Uploads:MaxRequestPixels must be at least Uploads:MaxImagePixels", budget.FailureMessage);
    }

    [Fact]
    public void The_service_does_not_start_with_an_unknown_provider()
    {
        using var models = new TemporaryDirectory();
        var (exitCode, output) = ServiceProcess.RunToExit(TimeSpan.FromSeconds(60), "--provider", "gpu", "--model-dir", models.Path);
        Assert.True(exitCode == 2, $"exit code {exitCode}\n{output}");
        Assert.Contains("capsnet-api: Inference:Provider (--provider) must be auto, cuda or cpu; got 'gpu'", output);
        Assert.DoesNotContain("Unhandled exception", output);
    }
}
