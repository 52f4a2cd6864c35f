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
        var test = RealMnist.Test;
        Assert.Equal(10_000, test.Count);

        using var session = new InferenceSession(Path.Combine(Models, ModelContract.ModelFileName));
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

        double accuracy = (double)correct / test.Count;
        Assert.True(accuracy >= claimed.TestAccuracy - 0.0005,
                    $"shipped model {claimed.ModelVersion}: {accuracy:P2} on the test set, its metadata claims {claimed.TestAccuracy:P2}");
    }

    [Fact]
    public void Shipped_model_files_agree_with_each_other()
    {
        var sidecar = ModelMetadata.FromJson(File.ReadAllText(Path.Combine(Models, ModelContract.MetadataFileName)));
        using var classifier = new InferenceSession(Path.Combine(Models, ModelContract.ModelFileName));
        using var decoder = new InferenceSession(Path.Combine(Models, ModelContract.DecoderFileName));
        Assert.Equal(sidecar, ModelMetadata.FromProperties(classifier.ModelMetadata.CustomMetadataMap));
        Assert.Equal(sidecar, ModelMetadata.FromProperties(decoder.ModelMetadata.CustomMetadataMap));
        Assert.Equal("CapsNetService.Training", sidecar.Producer);
        Assert.Equal(64, sidecar.CheckpointSha256.Length);
    }
}
