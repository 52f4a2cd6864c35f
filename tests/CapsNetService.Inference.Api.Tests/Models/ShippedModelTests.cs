using CapsNetService.Common.Mnist;
using Microsoft.ML.OnnxRuntime;
using ModelMetadata = CapsNetService.Common.ModelMetadata;

namespace CapsNetService.Inference.Api.Tests.Models;

/// <summary>The model committed in models/ does what its metadata claims, on the full MNIST test set, under ONNX Runtime.</summary>
public class ShippedModelTests
{
    private static readonly string Models = Path.Combine(RepositoryPaths.Root, "models");

    [SlowFact]
    public void Shipped_model_reaches_its_claimed_accuracy_on_the_full_mnist_test_set()
    {
        var claimed = ModelMetadata.FromJson(File.ReadAllText(Path.Combine(Models, ModelContract.MetadataFileName)));
        double accuracy = FullTestSetAccuracy(ModelContract.ModelFileName);
        Assert.True(accuracy >= claimed.TestAccuracy - 0.0005,
                    $"shipped model {claimed.ModelVersion}: {accuracy:P2} on the test set, its metadata claims {claimed.TestAccuracy:P2}");
    }

    [SlowFact]
    public void Shipped_int8_model_scores_what_its_metadata_claims_within_a_tenth_of_a_point_of_fp32()
    {
        var claimed = ModelMetadata.FromJson(File.ReadAllText(Path.Combine(Models, ModelContract.MetadataFileName))).Int8;
        Assert.NotNull(claimed);
        Assert.Equal(10_000, claimed.TestImages);
        Assert.True(claimed.Passed);
        double accuracy = FullTestSetAccuracy(ModelContract.Int8ModelFileName);
        // The same runtime and images as when it was measured: the same count of digits right.
        Assert.Equal(claimed.TestAccuracy, accuracy, 6);
        Assert.True(accuracy >= FullTestSetAccuracy(ModelContract.ModelFileName) - Int8Quantization.MaxAccuracyLoss);
    }

    private static double FullTestSetAccuracy(string fileName)
    {
        var test = RealMnist.Test;
        Assert.Equal(10_000, test.Count);

        using var session = new InferenceSession(Path.Combine(Models, fileName));
        const int batch = 500;
        int correct = 0;
        for (int start = 0; start < test.Count; start += batch)
        {
            var input = test.ModelInput(start, batch);
            using var image = OrtValue.CreateTensorValueFromMemory(input, [batch, 1, ModelContract.ImageSide, ModelContract.ImageSide]);
            using var outputs = session.Run(new RunOptions(), [ModelContract.ImageInput], [image], [ModelContract.ProbabilitiesOutput]);
            var probabilities = outputs[0].GetTensorDataAsSpan<float>();
            for (int n = 0; n < batch; n++)
            {
                var row = probabilities.Slice(n * ModelContract.Classes, ModelContract.Classes);
                int digit = 0;
                for (int k = 1; k < ModelContract.Classes; k++) if (row[k] > row[digit]) digit = k;
                if (digit == test.Labels[start + n]) correct++;
            }
        }
        return (double)correct / test.Count;
    }

    [Fact]
    public void Shipped_model_files_agree_with_each_other()
    {
        var sidecar = ModelMetadata.FromJson(File.ReadAllText(Path.Combine(Models, ModelContract.MetadataFileName)));
        using var classifier = new InferenceSession(Path.Combine(Models, ModelContract.ModelFileName));
        using var decoder = new InferenceSession(Path.Combine(Models, ModelContract.DecoderFileName));
        using var int8 = new InferenceSession(Path.Combine(Models, ModelContract.Int8ModelFileName));
        // The sidecar also records the int8 graph made from the model (capsnet-train quantize); the float32 files do not.
        Assert.Equal(sidecar with { Int8 = null, Files = null }, ModelMetadata.FromProperties(classifier.ModelMetadata.CustomMetadataMap));
        Assert.Equal(sidecar with { Int8 = null, Files = null }, ModelMetadata.FromProperties(decoder.ModelMetadata.CustomMetadataMap));
        Assert.Equal(sidecar with { Files = null }, ModelMetadata.FromProperties(int8.ModelMetadata.CustomMetadataMap));
        // The service serves only the files the sidecar records.
        Assert.Equal(new PublishedFileHashes(HashOf(ModelContract.ModelFileName), HashOf(ModelContract.DecoderFileName), HashOf(ModelContract.Int8ModelFileName)),
                     sidecar.Files);
        Assert.True(new FileInfo(Path.Combine(Models, ModelContract.Int8ModelFileName)).Length < 20_000_000);
        Assert.Equal("CapsNetService.Training", sidecar.Producer);
        Assert.Equal(64, sidecar.CheckpointSha256.Length);
    }

    private static string HashOf(string name) => PublishedFileHashes.Of(File.ReadAllBytes(Path.Combine(Models, name)));
}
