using CapsNetService.Common.MultiMnist;
using Microsoft.ML.OnnxRuntime;
using ModelMetadata = CapsNetService.Common.ModelMetadata;

namespace CapsNetService.Inference.Api.Tests.Models;

/// <summary>The overlapping-digits model committed in models/ does what its metadata claims on the fixed MultiMNIST test
/// set, under ONNX Runtime.</summary>
public class ShippedMultiMnistModelTests
{
    /// <summary>How many pairs the count under ONNX Runtime may differ from the trainer's: its float arithmetic is not
    /// the trainer's, and a pair whose second and third capsules are nearly tied can go either way.</summary>
    private const int TolerancePairs = 5;

    private static readonly string Models = Path.Combine(RepositoryPaths.Root, "models");

    [MultiMnistFact(Shipped = true, Slow = true)]
    public void Shipped_model_reaches_its_claimed_both_correct_accuracy_on_the_fixed_test_pairs()
    {
        var claimed = ModelMetadata.FromJson(File.ReadAllText(Path.Combine(Models, MultiMnistContract.MetadataFileName)));
        Assert.Equal(ModelKinds.MultiMnist, claimed.Kind);
        int pairs = claimed.TestPairs ?? throw new InvalidDataException($"{MultiMnistContract.MetadataFileName} does not say how many test pairs it was measured on");
        var test = RealMnist.MultiMnistTest;
        Assert.InRange(pairs, 1, test.Pairs.Length);

        using var session = new InferenceSession(Path.Combine(Models, MultiMnistContract.ModelFileName));
        using var run = new RunOptions();
        const int batch = 500;
        int bothCorrect = 0;
        for (int start = 0; start < pairs; start += batch)
        {
            int count = Math.Min(batch, pairs - start);
            var rendered = MultiMnistRenderer.RenderBatch(RealMnist.Test, test.Pairs.AsSpan(start, count));
            using var image = OrtValue.CreateTensorValueFromMemory(rendered.Images,
                [count, 1, MultiMnistContract.ImageSide, MultiMnistContract.ImageSide]);
            using var outputs = session.Run(run, [ModelContract.ImageInput], [image], [ModelContract.ProbabilitiesOutput]);
            var lengths = outputs[0].GetTensorDataAsSpan<float>();
            for (int n = 0; n < count; n++)
            {
                var top = OverlappingApi.Longest(lengths.Slice(n * ModelContract.Classes, ModelContract.Classes).ToArray(), 2);
                long a = rendered.FirstLabels[n], b = rendered.SecondLabels[n];
                if ((top[0] == a && top[1] == b) || (top[0] == b && top[1] == a)) bothCorrect++;
            }
        }

        int expected = (int)Math.Round(claimed.TestAccuracy * pairs);
        Assert.True(Math.Abs(bothCorrect - expected) <= TolerancePairs,
            $"shipped model {claimed.ModelVersion}: {bothCorrect} of {pairs} test pairs both correct under ONNX Runtime "
            + $"({(double)bothCorrect / pairs:P2}); its metadata claims {claimed.TestAccuracy:P2} ({expected} pairs), tolerance {TolerancePairs} pairs");
    }
}
