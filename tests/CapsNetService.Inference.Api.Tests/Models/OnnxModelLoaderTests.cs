
namespace CapsNetService.Inference.Api.Tests.Models;

/// <summary>What the loader accepts (the real exported pair) and refuses, with messages an operator can act on.</summary>
public sealed class OnnxModelLoaderTests
{
    [Fact]
    public void Loads_the_exported_pair_with_its_metadata()
    {
        var model = Loaders.Load(TestModels.ClassifierBytes, TestModels.DecoderBytes);
        var store = new OnnxModelStore("/unused");
        store.Install(model);
        try
        {
            Assert.Equal(TestModels.Metadata.ModelVersion, model.Version);
            Assert.Equal(TestModels.Metadata.CheckpointSha256, model.Metadata.CheckpointSha256);
            Assert.Equal(OnnxSessionFactory.CpuProvider, model.ExecutionProvider);
            Assert.Null(model.ProviderFallbackReason);
            Assert.Equal(TestModels.ClassifierBytes.LongLength, model.ClassifierFile.Bytes);

            var prediction = Assert.Single(model.Classifier.Classify([new float[ModelContract.ImagePixels]]));
            Assert.Equal(ModelContract.Classes, prediction.Probabilities.Length);
            Assert.Equal(ModelContract.Classes * ModelContract.CapsuleDims, prediction.Capsules.Length);
            Assert.Equal(ModelContract.ImagePixels, prediction.Reconstruction.Length);
        }
        finally
        {
            store.Dispose();
        }
        Assert.True(model.IsDisposed);
    }

    [Fact]
    public void Refuses_a_truncated_classifier()
    {
        var error = Assert.Throws<ModelRejectedException>(() =>
            Loaders.Load(TestModels.ClassifierBytes[..4096], TestModels.DecoderBytes));
        Assert.Contains(ModelContract.ModelFileName, error.Message);
        Assert.Contains("not a model ONNX Runtime can load", error.Message);
    }

    [Fact]
    public void Refuses_a_decoder_from_another_checkpoint()
    {
        var otherDecoder = ModelVariants.WithMetadata(TestModels.DecoderBytes, "checkpointSha256", new string('0', 64));
        var error = Assert.Throws<ModelRejectedException>(() => Loaders.Load(TestModels.ClassifierBytes, otherDecoder));
        Assert.Contains("does not belong together", error.Message);
    }

    [Fact]
    public void Refuses_a_graph_that_breaks_the_contract()
    {
        var renamed = ModelVariants.WithRenamedInput(TestModels.ClassifierBytes, ModelContract.ImageInput, "pixels");
        var error = Assert.Throws<ModelRejectedException>(() => Loaders.Load(renamed, TestModels.DecoderBytes));
        Assert.Contains("no input named 'image'", error.Message);
        Assert.Contains("'pixels'", error.Message);
    }

    [Fact]
    public void Refuses_a_graph_without_capsnet_metadata()
    {
        var bare = ModelVariants.WithoutMetadata(TestModels.ClassifierBytes);
        var error = Assert.Throws<ModelRejectedException>(() => Loaders.Load(bare, TestModels.DecoderBytes));
        Assert.Contains("metadata", error.Message);
    }

    [Fact]
    public void Reports_a_missing_decoder_by_name()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllBytes(Path.Combine(directory.Path, ModelContract.ModelFileName), TestModels.ClassifierBytes);
        var error = Assert.Throws<ModelRejectedException>(() => OnnxModelLoader.ReadFiles(directory.Path));
        Assert.Contains($"{ModelContract.DecoderFileName} is missing", error.Message);
        Assert.DoesNotContain(directory.Path, error.Message);
    }
}
