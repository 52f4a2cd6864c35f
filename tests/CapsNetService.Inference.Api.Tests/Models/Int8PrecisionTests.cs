using System.Text.Json;

namespace CapsNetService.Inference.Api.Tests.Models;

/// <summary>Inference:Precision: which classifier graph the service runs, and what happens when the int8 one cannot be used.</summary>
public sealed class Int8PrecisionTests
{
    /// <summary>The repository's model with its int8 graph, in a temporary folder (the int8 graph belongs to the repository's model).</summary>
    private static TemporaryDirectory RepositoryModelWithInt8(byte[]? int8 = null)
    {
        var directory = new TemporaryDirectory();
        foreach (var name in new[] { ModelContract.ModelFileName, ModelContract.DecoderFileName, ModelContract.MetadataFileName })
            File.Copy(Path.Combine(TestModels.RepositoryModels, name), Path.Combine(directory.Path, name));
        File.WriteAllBytes(Path.Combine(directory.Path, ModelContract.Int8ModelFileName), int8 ?? TestModels.Int8Bytes);
        return directory;
    }

    private static LoadedModel Load(string directory, string precision, string provider = "cpu")
    {
        var loader = Loaders.Loader(provider, precision);
        var (classifier, decoder, recorded) = OnnxModelLoader.ReadFiles(directory);
        return loader.Load(classifier, decoder, int8: loader.ReadInt8(directory), recorded: recorded);
    }

    [Theory]
    [InlineData("auto", "int8")]
    [InlineData("int8", "int8")]
    [InlineData("fp32", "fp32")]
    public void Auto_and_int8_run_the_checked_int8_graph_on_the_cpu_and_fp32_does_not(string precision, string runs)
    {
        using var models = RepositoryModelWithInt8();
        var model = Load(models.Path, precision);
        try
        {
            Assert.Equal(runs, model.Precision);
            Assert.Null(model.PrecisionFallbackReason);
            Assert.Equal(OnnxSessionFactory.CpuProvider, model.ExecutionProvider);
            if (runs == "int8") Assert.True(model.Metadata.Int8!.Passed);
            // Either way a real digit comes out right, and the decoder (float32) redraws it.
            var prediction = model.Classifier.Classify([TestImages.Mnist.ModelInput(0, 1)])[0];
            Assert.Equal(TestImages.Label(0), prediction.Digit);
        }
        finally
        {
            model.Release();
        }
    }

    [Fact]
    public void Auto_without_an_int8_file_runs_fp32_and_says_why()
    {
        using var models = TestModels.CopyToTemporaryDirectory();      // the float32 files only
        var model = Load(models.Path, "auto");
        Assert.Equal("fp32", model.Precision);
        Assert.Contains(ModelContract.Int8ModelFileName + " is missing", model.PrecisionFallbackReason);
        model.Release();
    }

    [Fact]
    public void Int8_without_an_int8_file_serves_nothing_and_says_why()
    {
        using var models = TestModels.CopyToTemporaryDirectory();      // the float32 files only
        var error = Assert.Throws<ModelRejectedException>(() => Load(models.Path, "int8"));
        Assert.Contains("Inference:Precision=int8", error.Message);
        Assert.Contains(ModelContract.Int8ModelFileName + " is missing", error.Message);
    }

    public static TheoryData<string, string> BrokenInt8 => new()
    {
        { "failed", "more than 0.1 points lost" },
        { "unchecked", "carries no int8 accuracy check" },
        { "foreign", "does not belong together" },
        { "truncated", "is not a model ONNX Runtime can load" },
    };

    [Theory]
    [MemberData(nameof(BrokenInt8))]
    public void A_broken_or_failed_int8_graph_falls_back_to_fp32_with_auto_and_is_refused_with_int8(string kind, string reason)
    {
        var bytes = kind switch
        {
            "failed" => ModelVariants.WithMetadata(TestModels.Int8Bytes, "int8", JsonSerializer.Serialize(
                TestModels.Int8Metadata() with { TestAccuracy = TestModels.Int8Metadata().Fp32TestAccuracy - 0.0011 }, ModelMetadata.JsonOptions)),
            "unchecked" => ModelVariants.WithoutProperty(TestModels.Int8Bytes, "int8"),
            "foreign" => ModelVariants.WithMetadata(TestModels.Int8Bytes, "checkpointSha256", new string('0', 64)),
            _ => TestModels.Int8Bytes[..(TestModels.Int8Bytes.Length / 2)],
        };
        using var models = RepositoryModelWithInt8(bytes);

        var model = Load(models.Path, "auto");
        Assert.Equal("fp32", model.Precision);
        Assert.Contains(reason, model.PrecisionFallbackReason);
        model.Release();

        var error = Assert.Throws<ModelRejectedException>(() => Load(models.Path, "int8"));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public async Task Model_endpoint_reports_the_precision_that_runs_and_hot_reload_takes_a_new_int8_file()
    {
        using var models = TestModels.CopyToTemporaryDirectory();      // the float32 files only
        using var factory = new CapsNetApiFactory(models.Path, new Dictionary<string, string>
        {
            ["Inference:Provider"] = "cpu", ["Inference:ReloadPollSeconds"] = "0.2",
        });
        using var client = factory.CreateClient();

        var before = await (await client.GetAsync("/model")).ReadJson();
        Assert.Equal("fp32", before.GetProperty("precision").GetString());
        Assert.Equal("auto", before.GetProperty("requestedPrecision").GetString());
        Assert.Contains("missing", before.GetProperty("precisionFallbackReason").GetString());

        ModelVariants.Publish(models.Path, ModelContract.Int8ModelFileName, TestModels.Int8Bytes);
        var after = await Eventually.Until(async () => await (await client.GetAsync("/model")).ReadJson(),
                                           m => m.GetProperty("precision").GetString() == "int8", TimeSpan.FromSeconds(30),
                                           "the int8 graph published beside the serving model to be loaded");
        Assert.Equal(JsonValueKind.Null, after.GetProperty("precisionFallbackReason").ValueKind);
        Assert.Equal(ModelContract.Int8ModelFileName, after.GetProperty("files").GetProperty("int8Classifier").GetProperty("name").GetString());
        Assert.True(after.GetProperty("metadata").GetProperty("int8").GetProperty("testAccuracy").GetDouble() > 0.99);
    }
}
