using CapsNetService.Common.Rejection;
using Microsoft.ML.OnnxRuntime;
using ModelMetadata = CapsNetService.Common.ModelMetadata;

namespace CapsNetService.Inference.Api.Tests.Models;

/// <summary>The shipped model's rejection thresholds do, under ONNX Runtime, what its metadata says they were measured
/// to do: on the full MNIST test set and on the generated non-digits of the evaluation seed.</summary>
public class ShippedModelRejectionTests
{
    private static readonly string Models = Path.Combine(RepositoryPaths.Root, "models");

    /// <summary>The measured rates may move this much between hosts (ONNX Runtime's threads sum in another order).</summary>
    private const double Tolerance = 0.002;

    [SlowFact]
    public void Shipped_model_reproduces_the_rejection_rates_in_its_metadata()
    {
        var claimed = ModelMetadata.FromJson(File.ReadAllText(Path.Combine(Models, ModelContract.MetadataFileName))).Rejection;
        Assert.True(claimed is not null, "the shipped model is not calibrated: run capsnet-train calibrate --model-dir models");
        Assert.True(LetterFonts.Available, $"the non-digit letters need the DejaVu fonts: {LetterFonts.InstallHint}");
        var rule = claimed.Rule;
        var baseline = claimed.LengthOnlyRule;

        using var session = new InferenceSession(Path.Combine(Models, ModelContract.ModelFileName));
        var test = RealMnist.Test;
        var testScores = Score(session, test.ModelInput(0, test.Count));
        var accepted = Enumerable.Range(0, test.Count).Where(i => rule.Accepts(testScores[i].Evidence)).ToList();
        double falseRejection = 1 - (double)accepted.Count / test.Count;
        double accuracyOnAccepted = (double)accepted.Count(i => testScores[i].Digit == test.Labels[i]) / accepted.Count;
        Assert.Equal(claimed.TestDigits, test.Count);
        Near(claimed.TestFalseRejectionRate, falseRejection, "false rejections on the MNIST test set");
        Near(claimed.TestAccuracyOnAccepted, accuracyOnAccepted, "accuracy on the accepted test digits");

        var generator = new NonDigitGenerator(claimed.EvaluationSeed, test);
        var nonDigits = generator.Generate(claimed.NonDigits / generator.Kinds.Count);
        Assert.Equal(claimed.NonDigits, nonDigits.Count);
        var nonDigitScores = Score(session, nonDigits.SelectMany(s => s.Pixels).ToArray());
        Near(claimed.NonDigitRejectionRate, nonDigitScores.Count(s => !rule.Accepts(s.Evidence)) / (double)nonDigits.Count, "non-digits rejected");
        Near(claimed.LengthOnlyNonDigitRejectionRate, nonDigitScores.Count(s => !baseline.Accepts(s.Evidence)) / (double)nonDigits.Count,
             "non-digits rejected by the capsule length alone");
        foreach (var kind in claimed.NonDigitClasses)
        {
            var ofKind = Enumerable.Range(0, nonDigits.Count).Where(i => nonDigits[i].Kind.Name() == kind.Kind).ToList();
            Assert.Equal(kind.Count, ofKind.Count);
            Near(kind.RejectionRate, ofKind.Count(i => !rule.Accepts(nonDigitScores[i].Evidence)) / (double)ofKind.Count, $"{kind.Kind} rejected");
        }
    }

    private static void Near(double claimed, double measured, string what) =>
        Assert.True(Math.Abs(claimed - measured) <= Tolerance, $"{what}: measured {measured:P2}, the metadata claims {claimed:P2}");

    private static List<(int Digit, DigitEvidence Evidence)> Score(InferenceSession session, float[] images)
    {
        const int batch = 500;
        int count = images.Length / ModelContract.ImagePixels;
        var scores = new List<(int, DigitEvidence)>(count);
        for (int start = 0; start < count; start += batch)
        {
            int n = Math.Min(batch, count - start);
            var input = images.AsMemory(start * ModelContract.ImagePixels, n * ModelContract.ImagePixels);
            using var image = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input, [n, 1, ModelContract.ImageSide, ModelContract.ImageSide]);
            using var outputs = session.Run(new RunOptions(), [ModelContract.ImageInput], [image],
                                            [ModelContract.ProbabilitiesOutput, ModelContract.ReconstructionOutput]);
            var lengths = outputs[0].GetTensorDataAsSpan<float>();
            var reconstructions = outputs[1].GetTensorDataAsSpan<float>();
            for (int i = 0; i < n; i++)
            {
                var row = lengths.Slice(i * ModelContract.Classes, ModelContract.Classes);
                int digit = 0;
                for (int k = 1; k < ModelContract.Classes; k++) if (row[k] > row[digit]) digit = k;
                scores.Add((digit, DigitEvidence.Of(row, input.Span.Slice(i * ModelContract.ImagePixels, ModelContract.ImagePixels),
                                                    reconstructions.Slice(i * ModelContract.ImagePixels, ModelContract.ImagePixels))));
            }
        }
        return scores;
    }
}
