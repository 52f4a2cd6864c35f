using CapsNetService.Common.MultiMnist;
using CapsNetService.Tests;
using CapsNetService.Training.Checkpoints;
using CapsNetService.Training.Model;
using CapsNetService.Training.Run;
using CapsNetService.Training.TwoDigits;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.TwoDigits;

/// <summary>Tiny MultiMNIST runs on real MNIST digits, end to end through the trainer: they train, keep the best epoch
/// by validation with its test figures, checkpoint what they are, resume, and refuse weights of another kind.</summary>
public sealed class PairTrainerTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("capsnet-pairs-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private TrainOptions Options(ModelChoice model, string name) => new()
    {
        Dataset = TrainingDataset.MultiMnist,
        Model = model,
        TrainPairs = 40,
        ValidationPairs = 20,
        TestPairs = 20,
        Epochs = 1,
        BatchSize = 10,
        Seed = 7,
        // The fixed test pairs' file is written here on first use.
        DataDir = Path.Combine(folder, "data"),
        Output = Path.Combine(folder, name),
        NoExport = true,
    };

    private static TrainingResult Train(TrainOptions options) =>
        new PairTrainer(options, CPU, SilentTrainingProgress.Instance)
            .Run(PairSets.Load(RealMnist.Train, RealMnist.Test, options));

    [Fact]
    public void A_capsnet_run_trains_keeps_its_best_epoch_with_test_figures_and_resumes()
    {
        var options = Options(ModelChoice.CapsNet, "capsnet") with { WeightAverageDecay = 0.9 };
        var first = Train(options);
        var firstBest = Path.Combine(folder, "first-best.ckpt");
        File.Copy(first.BestCheckpoint, firstBest);

        var epoch = Assert.Single(first.History);
        Assert.InRange(epoch.ValidationAccuracy!.Value, 0, 1);
        Assert.InRange(epoch.ValidationAtLeastOneAccuracy!.Value, epoch.ValidationAccuracy.Value, 1);
        // The first epoch is the best so far: its test pairs were evaluated.
        Assert.InRange(epoch.TestAccuracy, 0, 1);
        Assert.InRange(epoch.TestAtLeastOneAccuracy!.Value, epoch.TestAccuracy, 1);
        Assert.True(double.IsFinite(epoch.TrainLoss));
        Assert.True(File.Exists(Path.Combine(options.DataDir, MultiMnistSets.TestFileName)));

        var (kept, metadata) = Checkpoint.LoadModel(first.BestCheckpoint, CPU);
        using (kept)
        {
            Assert.Equal(TrainingDataset.MultiMnist, metadata.Dataset);
            Assert.Equal(ModelChoice.CapsNet, metadata.Model);
            Assert.Equal(36, kept.Architecture.ImageSide);
        }

        var resumed = Train(options with { Epochs = 2, Resume = true });
        Assert.Equal(2, resumed.History.Count);
        Assert.Equal(epoch, resumed.History[0]);
        Assert.Equal(2, Checkpoint.ReadMetadata(resumed.LastCheckpoint).Epoch);
        var second = resumed.History[1];
        // Test pairs are evaluated only when the epoch became the best on validation.
        Assert.Equal(second.ValidationAccuracy > epoch.ValidationAccuracy, !double.IsNaN(second.TestAccuracy));
        Assert.Contains("validation_at_least_one_accuracy", File.ReadAllText(Path.Combine(resumed.RunDirectory, "metrics.csv")));

        // A new run may start from the kept weights of a run of the same dataset and model.
        var continued = Train(Options(ModelChoice.CapsNet, "continued") with { Epochs = 2, InitFrom = firstBest });
        Assert.Equal(2, Assert.Single(continued.History).Epoch);
        Assert.Equal(1, Checkpoint.ReadMetadata(continued.LastCheckpoint).InitializedFrom!.Epochs);
    }

    [Fact]
    public void A_cnn_run_checkpoints_a_cnn_that_no_capsnet_run_loads()
    {
        var options = Options(ModelChoice.Cnn, "cnn");
        var result = Train(options);
        Assert.InRange(Assert.Single(result.History).TestAccuracy, 0, 1);

        var (network, metadata) = Checkpoint.LoadNetwork(result.BestCheckpoint, CPU);
        using (network) Assert.IsType<BaselineCnn>(network);
        Assert.Equal(ModelChoice.Cnn, metadata.Model);
        Assert.Contains("not a CapsNet", Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(result.BestCheckpoint, CPU)).Message);

        var intoCapsNet = Options(ModelChoice.CapsNet, "from-cnn") with { Epochs = 2, InitFrom = result.BestCheckpoint };
        var refused = Assert.Throws<CheckpointException>(() => Train(intoCapsNet));
        Assert.Contains("multimnist cnn", refused.Message);
        Assert.Contains("multimnist capsnet", refused.Message);
        Assert.Throws<CheckpointException>(() =>
            InitialWeights.LoadNetwork(result.BestCheckpoint, new TrainOptions { Epochs = 2 }, CPU));
    }

    [Fact]
    public void The_options_choose_dataset_and_model_and_refuse_what_does_not_fit()
    {
        var result = CapsNetService.Training.Cli.TrainCommand.Create().Parse(
            ["--dataset", "multimnist", "--model", "cnn", "--train-pairs", "200", "--validation-pairs", "100", "--test-pairs", "100"]);
        Assert.Empty(result.Errors);
        var options = CapsNetService.Training.Cli.OptionBinder<TrainOptions>.Instance.Bind(result);
        Assert.Equal((TrainingDataset.MultiMnist, ModelChoice.Cnn, 200, 100, 100),
                     (options.Dataset, options.Model, options.TrainPairs, options.ValidationPairs, options.TestPairs));
        Assert.Empty(options.Validate());
        Assert.Equal(36, options.Architecture.ImageSide);

        Assert.Contains(new TrainOptions { Model = ModelChoice.Cnn }.Validate(), m => m.Contains("--model cnn"));
        Assert.Contains(new TrainOptions { Dataset = TrainingDataset.MultiMnist, LimitTrain = 5 }.Validate(), m => m.Contains("--train-pairs"));
        Assert.Contains(new TrainOptions { TestPairs = MultiMnistSets.TestPairs + 1 }.Validate(), m => m.Contains("--test-pairs"));
        // An MNIST run's options read back from a checkpoint that predates them still resume.
        Assert.Empty(new TrainOptions().ResumeConflicts(new TrainOptions()));
    }
}
