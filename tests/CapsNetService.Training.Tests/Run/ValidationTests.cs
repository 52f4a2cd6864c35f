using CapsNetService.Common;
using CapsNetService.Tests;
using CapsNetService.Training.Checkpoints;
using CapsNetService.Training.Export;
using CapsNetService.Training.Model;
using CapsNetService.Training.Reporting;
using CapsNetService.Training.Run;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.Run;

/// <summary>
/// --validation N: the last N training images are held out, evaluated every epoch, and choose the epoch that is kept
/// and exported; the test set is still evaluated and reported. Runs in the "alone" collection: the run-versus-resume
/// check needs two runs to start from the same seeded weights (see <see cref="DeterminismTests"/>).
/// </summary>
[Collection(DeterminismTests.Name)]
public sealed class ValidationTests : IDisposable
{
    private const int HeldOut = 40;
    private readonly string folder = Directory.CreateTempSubdirectory("capsnet-validation-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static EpochMetrics Epoch(int epoch, double test, double? validation) => new()
    {
        Epoch = epoch, LearningRate = 1e-3, TrainLoss = 0.1, TrainAccuracy = 0.9, TestLoss = 0.1, TestAccuracy = test,
        ValidationLoss = validation is null ? null : 0.1, ValidationAccuracy = validation, EpochSeconds = 1, TrainImagesPerSecond = 1,
    };

    [Fact]
    public void The_best_epoch_is_chosen_on_validation_never_on_the_test_set()
    {
        // Epoch 1 tests best, epoch 2 validates best: with validation, epoch 2 is kept.
        List<EpochMetrics> validated = [Epoch(1, test: 0.99, validation: 0.95), Epoch(2, test: 0.98, validation: 0.97), Epoch(3, test: 0.97, validation: 0.97)];
        Assert.Equal(2, BestEpoch.Of(validated)!.Epoch);
        Assert.Equal("validation", BestEpoch.Criterion(validated));
        List<EpochMetrics> unvalidated = [Epoch(1, 0.99, null), Epoch(2, 0.98, null)];
        Assert.Equal(1, BestEpoch.Of(unvalidated)!.Epoch);
        Assert.Equal("test", BestEpoch.Criterion(unvalidated));
    }

    [Fact]
    public void A_validation_run_holds_out_the_last_images_keeps_the_best_on_them_and_resumes_exactly()
    {
        var (train, test) = (RealMnist.Train, RealMnist.Test);
        var options = new TrainOptions
        {
            Output = Path.Combine(folder, "straight"), Epochs = 2, BatchSize = 40, LimitTrain = 120, LimitTest = 60, Seed = 5,
            WeightAverageDecay = 0.8, Validation = HeldOut,
        };
        var straight = new Trainer(options, CPU, SilentTrainingProgress.Instance).Run(train, test);

        Assert.All(straight.History, m => Assert.NotNull(m.ValidationAccuracy));
        var best = straight.History.OrderByDescending(m => m.ValidationAccuracy).ThenBy(m => m.Epoch).First();
        Assert.Same(best, BestEpoch.Of(straight.History));

        // best.ckpt holds that epoch's (averaged) weights, and the held-out images are the last of the training set.
        var (kept, metadata) = Checkpoint.LoadModel(straight.BestCheckpoint, CPU);
        using (kept)
        {
            Assert.Equal(best.Epoch, metadata.Epoch);
            var heldOut = train.Slice(train.Count - HeldOut, HeldOut);
            Assert.Equal(best.ValidationAccuracy!.Value, Evaluator.Evaluate(kept, heldOut, CPU, new CapsuleLoss()).Accuracy, 1e-9);
            Assert.Equal(best.TestAccuracy, Evaluator.Evaluate(kept, test.Take(60), CPU, new CapsuleLoss()).Accuracy, 1e-9);
        }

        // metrics.csv, the report and the model metadata carry validation beside test.
        var csv = File.ReadAllLines(Path.Combine(straight.RunDirectory, MetricsWriter.CsvFileName));
        var columns = csv[0].Split(',');
        int validationColumn = Array.IndexOf(columns, "validation_accuracy");
        Assert.True(validationColumn > Array.IndexOf(columns, "test_accuracy"));
        Assert.Equal(straight.History[0].ValidationAccuracy!.Value, double.Parse(csv[1].Split(',')[validationColumn], System.Globalization.CultureInfo.InvariantCulture));
        var html = File.ReadAllText(Path.Combine(straight.RunDirectory, HtmlReport.FileName));
        Assert.Contains("Validation images", html);
        Assert.Contains("<th>validation accuracy</th>", html);
        Assert.Contains("lowest validation error", html);
        var exported = OnnxExporter.Export(straight.BestCheckpoint, [Path.Combine(folder, "models")]).Metadata;
        Assert.Equal(best.ValidationAccuracy, exported.ValidationAccuracy);
        Assert.Equal(HeldOut, exported.ValidationImages);
        Assert.Equal(best.TestAccuracy, exported.TestAccuracy);
        Assert.Contains($"--validation {HeldOut}", exported.TrainingCommand);

        // One epoch, then a resume to two: the same second epoch, validation included.
        var resumedOptions = options with { Output = Path.Combine(folder, "resumed") };
        new Trainer(resumedOptions with { Epochs = 1 }, CPU, SilentTrainingProgress.Instance).Run(train, test);
        var resumed = new Trainer(resumedOptions with { Resume = true }, CPU, SilentTrainingProgress.Instance).Run(train, test);
        Assert.Equal(straight.History[1].ValidationLoss, resumed.History[1].ValidationLoss);
        Assert.Equal(straight.History[1].ValidationAccuracy, resumed.History[1].ValidationAccuracy);
        Assert.Equal(straight.History[1].TestAccuracy, resumed.History[1].TestAccuracy);

        // The resume may not change what is held out.
        var error = Assert.Throws<CheckpointException>(() =>
            new Trainer(resumedOptions with { Resume = true, Epochs = 3, Validation = HeldOut + 1 }, CPU, SilentTrainingProgress.Instance).Run(train, test));
        Assert.Contains($"--validation {HeldOut + 1} (was {HeldOut})", error.Message);
    }

    [Fact]
    public void Without_validation_the_metadata_has_none_and_the_images_all_train()
    {
        var options = new TrainOptions { Output = Path.Combine(folder, "plain"), Epochs = 1, BatchSize = 40, LimitTrain = 40, LimitTest = 20, Seed = 5 };
        var result = new Trainer(options, CPU, SilentTrainingProgress.Instance).Run(RealMnist.Train, RealMnist.Test);
        Assert.Null(result.History[0].ValidationAccuracy);
        var metadata = OnnxExporter.Export(result.BestCheckpoint, [Path.Combine(folder, "plain-models")]).Metadata;
        Assert.Null(metadata.ValidationAccuracy);
        Assert.Null(metadata.ValidationImages);
    }

    [Fact]
    public void Holding_out_every_training_image_is_refused_before_training()
    {
        var options = new TrainOptions { Output = Path.Combine(folder, "all"), Validation = RealMnist.Train.Count };
        var error = Assert.Throws<ArgumentException>(() => new Trainer(options, CPU, SilentTrainingProgress.Instance).Run(RealMnist.Train, RealMnist.Test));
        Assert.Contains("--validation", error.Message);
        Assert.False(File.Exists(Trainer.LastCheckpointPath(options.Output)));
        Assert.Contains(new TrainOptions { Validation = -1 }.Validate(), p => p.StartsWith("--validation", StringComparison.Ordinal));
    }
}
