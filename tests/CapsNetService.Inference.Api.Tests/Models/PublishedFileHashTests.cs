
namespace CapsNetService.Inference.Api.Tests.Models;

/// <summary>The sidecar's recorded SHA-256 of each graph: a file changed behind the publisher's back is refused even
/// when it loads and answers; a sidecar that records nothing checks nothing.</summary>
public sealed class PublishedFileHashTests
{
    /// <summary>The test model pair with a sidecar recording their hashes, as the trainer publishes it.</summary>
    private static TemporaryDirectory PublishedPair()
    {
        var directory = TestModels.CopyToTemporaryDirectory();
        WriteSidecar(directory.Path, TestModels.Metadata with
        {
            Files = new PublishedFileHashes(PublishedFileHashes.Of(TestModels.ClassifierBytes), PublishedFileHashes.Of(TestModels.DecoderBytes)),
        });
        return directory;
    }

    private static void WriteSidecar(string directory, ModelMetadata sidecar) =>
        File.WriteAllText(Path.Combine(directory, ModelContract.MetadataFileName), sidecar.ToJson());

    private static LoadedModel Load(string directory, string precision = "fp32")
    {
        var loader = Loaders.Loader(precision: precision);
        var (classifier, decoder, recorded) = OnnxModelLoader.ReadFiles(directory);
        return loader.Load(classifier, decoder, int8: loader.ReadInt8(directory), recorded: recorded);
    }

    /// <summary>Same weights, same checkpoint, one metadata value changed: a valid model that runs, not the one published.</summary>
    private static byte[] Changed(byte[] onnx) => ModelVariants.WithMetadata(onnx, "device", "changed after publishing");

    [Fact]
    public void Files_that_match_the_sidecar_are_served()
    {
        using var models = PublishedPair();
        var model = Load(models.Path);
        Assert.Equal(TestModels.Metadata.ModelVersion, model.Version);
        model.Release();
    }

    [Theory]
    [InlineData(ModelContract.ModelFileName)]
    [InlineData(ModelContract.DecoderFileName)]
    public void A_graph_changed_behind_the_publishers_back_is_refused_by_name_though_it_runs(string name)
    {
        using var models = PublishedPair();
        var path = Path.Combine(models.Path, name);
        ModelVariants.Write(models.Path, name, Changed(File.ReadAllBytes(path)));

        var error = Assert.Throws<ModelRejectedException>(() => Load(models.Path));
        Assert.Contains($"{name} is not the file {ModelContract.MetadataFileName} records", error.Message);
        Assert.Contains("publish the model's files together", error.Message);
        Assert.DoesNotContain(models.Path, error.Message);

        // The same files under a sidecar that records no hashes load: the recorded hash is what refused them.
        WriteSidecar(models.Path, TestModels.Metadata with { Files = null });
        var model = Load(models.Path);
        model.Release();
    }

    [Fact]
    public void A_graph_published_as_the_trainer_does_updates_the_sidecar_and_is_served()
    {
        using var models = PublishedPair();
        var changed = Changed(TestModels.ClassifierBytes);
        ModelVariants.Publish(models.Path, ModelContract.ModelFileName, changed);

        var recorded = ModelMetadata.FromJson(File.ReadAllText(Path.Combine(models.Path, ModelContract.MetadataFileName))).Files!;
        Assert.Equal(PublishedFileHashes.Of(changed), recorded.Classifier);
        Assert.Equal(PublishedFileHashes.Of(TestModels.DecoderBytes), recorded.Decoder);
        var model = Load(models.Path);
        Assert.Equal(PublishedFileHashes.Of(changed), model.ClassifierFile.Sha256);
        model.Release();
    }

    [Theory]
    [InlineData("{ not json", "is not a model's sidecar")]
    [InlineData("{}", "is not a model's sidecar")]
    public void A_sidecar_that_cannot_be_read_refuses_the_files_with_its_reason(string text, string reason)
    {
        using var models = PublishedPair();
        File.WriteAllText(Path.Combine(models.Path, ModelContract.MetadataFileName), text);
        var error = Assert.Throws<ModelRejectedException>(() => OnnxModelLoader.ReadFiles(models.Path));
        Assert.Contains(ModelContract.MetadataFileName, error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void A_sidecar_over_a_megabyte_is_not_read_whole()
    {
        using var models = PublishedPair();
        File.WriteAllText(Path.Combine(models.Path, ModelContract.MetadataFileName), new string(' ', 2 << 20) + "{}");
        var error = Assert.Throws<ModelRejectedException>(() => OnnxModelLoader.ReadFiles(models.Path));
        Assert.Contains("is over 1,048,576 bytes", error.Message);
    }

    [Fact]
    public void Without_a_sidecar_nothing_is_checked()
    {
        using var models = PublishedPair();
        File.Delete(Path.Combine(models.Path, ModelContract.MetadataFileName));
        ModelVariants.Write(models.Path, ModelContract.ModelFileName, Changed(TestModels.ClassifierBytes));
        var (_, _, recorded) = OnnxModelLoader.ReadFiles(models.Path);
        Assert.Null(recorded);
        Load(models.Path).Release();
    }

    [Fact]
    public void An_int8_graph_the_sidecar_does_not_record_falls_back_to_fp32_with_auto_and_is_refused_with_int8()
    {
        // The repository's model, whose int8 graph this is, with a sidecar that records its float32 pair only.
        using var models = new TemporaryDirectory();
        foreach (var name in new[] { ModelContract.ModelFileName, ModelContract.DecoderFileName, ModelContract.Int8ModelFileName })
            File.Copy(Path.Combine(TestModels.RepositoryModels, name), Path.Combine(models.Path, name));
        var shipped = ModelMetadata.FromJson(File.ReadAllText(Path.Combine(TestModels.RepositoryModels, ModelContract.MetadataFileName)));
        WriteSidecar(models.Path, shipped with { Files = shipped.Files! with { Int8Classifier = null } });

        var model = Load(models.Path, "auto");
        Assert.Equal("fp32", model.Precision);
        Assert.Contains($"records no SHA-256 for {ModelContract.Int8ModelFileName}", model.PrecisionFallbackReason);
        model.Release();

        var error = Assert.Throws<ModelRejectedException>(() => Load(models.Path, "int8"));
        Assert.Contains($"records no SHA-256 for {ModelContract.Int8ModelFileName}", error.Message);
    }
}
