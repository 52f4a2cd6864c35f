using CapsNetService.Common.MultiMnist;
using CapsNetService.Tests;
using CapsNetService.Training.Reporting;
using CapsNetService.Training.Run;
using CapsNetService.Training.TwoDigits;
using SkiaSharp;

namespace CapsNetService.Training.Tests.Reporting;

/// <summary>A MultiMNIST run's report: both-correct and at-least-one figures, the test figures of the kept epoch,
/// and the Figure 5 grid of the two reconstructions.</summary>
public sealed class PairReportTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("capsnet-pair-report-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>Three real pairs; the "reconstructions" are each digit alone. Pair 0 is predicted in the other order
    /// (right), pair 1 exactly (right), pair 2 with one digit wrong.</summary>
    private static PairSample Sample()
    {
        var pairs = MultiMnistSplit.Test(RealMnist.Test).Pairs(3, 1);
        var batch = MultiMnistRenderer.RenderBatch(RealMnist.Test, pairs);
        int[] first = [.. batch.FirstLabels.Select(l => (int)l)], second = [.. batch.SecondLabels.Select(l => (int)l)];
        int neither = Enumerable.Range(0, 10).First(d => d != first[2] && d != second[2]);
        return new PairSample(batch.Images, batch.FirstDigits, batch.SecondDigits, first, second,
                              [second[0], first[1], first[2]], [first[0], second[1], neither]);
    }

    [Fact]
    public void The_grid_draws_four_36_pixel_panels_a_pair_and_counts_both_orders_as_right()
    {
        var sample = Sample();
        Assert.True(PairReconstructionGrid.BothCorrect(sample, 0));
        Assert.True(PairReconstructionGrid.BothCorrect(sample, 1));
        Assert.False(PairReconstructionGrid.BothCorrect(sample, 2));
        using var bitmap = SKBitmap.Decode(PairReconstructionGrid.Render(sample));
        Assert.True(bitmap.Width > 2 * 4 * 36 * PairReconstructionGrid.Scale, $"{bitmap.Width} px wide");
    }

    [Fact]
    public void The_report_shows_both_correct_at_least_one_and_the_kept_epochs_test_figures()
    {
        var options = new TrainOptions { Dataset = TrainingDataset.MultiMnist, TrainPairs = 1000, ValidationPairs = 100, TestPairs = 200 };
        var run = new RunDescription(options, options.CommandLine(), "cpu", 1000, 200, DateTimeOffset.UnixEpoch, ValidationImages: 100);
        EpochMetrics Epoch(int n, double validation, double test) => new()
        {
            Epoch = n, LearningRate = 1e-3, TrainLoss = 0.5, TrainAccuracy = 0.3, TestLoss = double.IsNaN(test) ? double.NaN : 0.4,
            TestAccuracy = test, TestAtLeastOneAccuracy = double.IsNaN(test) ? null : 0.9, ValidationLoss = 0.4,
            ValidationAccuracy = validation, ValidationAtLeastOneAccuracy = 0.91, EpochSeconds = 10, TrainImagesPerSecond = 100,
        };
        List<EpochMetrics> history = [Epoch(1, 0.4, 0.41), Epoch(2, 0.3, double.NaN), Epoch(3, 0.5, 0.525)];

        TrainingReport.Write(folder, run, history, new ConfusionMatrix(), sample: null, Sample());

        var html = File.ReadAllText(Path.Combine(folder, HtmlReport.FileName));
        Assert.True(File.Exists(Path.Combine(folder, PairReconstructionGrid.FileName)));
        Assert.Contains(PairReconstructionGrid.FileName, html);
        Assert.Contains("Kept: test both correct", html);
        Assert.Contains("52.50 %", html);
        Assert.Contains("test at least one", html);
        Assert.Contains("the test pairs chose nothing", html);
        Assert.DoesNotContain("Confusion matrix", html);
        Assert.DoesNotContain("NaN", html);
    }
}
