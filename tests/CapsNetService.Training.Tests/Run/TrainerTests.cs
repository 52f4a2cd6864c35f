using CapsNetService.Training.Checkpoints;
using CapsNetService.Training.Model;
using CapsNetService.Training.Run;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.Run;

[Collection(TrainedModelCollection.Name)]
public class TrainerTests(TrainingRunFixture run)
{
    [Fact]
    public void Training_lowers_the_loss()
    {
        var history = run.Result.History;
        Assert.Equal(TrainingRunFixture.Epochs, history.Count);
        Assert.True(history[^1].TrainLoss < history[0].TrainLoss, $"train loss {history[0].TrainLoss} → {history[^1].TrainLoss}");
        Assert.True(history[^1].TestLoss < run.InitialTestLoss, $"test loss {run.InitialTestLoss} → {history[^1].TestLoss}");
        Assert.All(history, m => Assert.InRange(m.TestAccuracy, 0, 1));
    }

    [Fact]
    public void Writes_checkpoints_metrics_and_report()
    {
        Assert.True(File.Exists(run.Result.LastCheckpoint));
        Assert.True(File.Exists(run.Result.BestCheckpoint));
        foreach (var name in new[] { "metrics.csv", "metrics.json", "report.html" })
            Assert.True(File.Exists(Path.Combine(run.RunDirectory, name)), name);
        Assert.Empty(Directory.GetFiles(run.RunDirectory, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Best_checkpoint_loads_and_evaluates_to_the_recorded_accuracy()
    {
        var (model, metadata) = Checkpoint.LoadModel(run.Result.BestCheckpoint, CPU);
        using (model)
        {
            var best = run.Result.History.MaxBy(m => m.TestAccuracy)!;
            Assert.Equal(best.Epoch, metadata.Epoch);
            var evaluation = Evaluator.Evaluate(model, run.Test.Take(TrainingRunFixture.TestImages), CPU, new CapsuleLoss());
            Assert.Equal(best.TestAccuracy, evaluation.Accuracy, 1e-9);
            Assert.Equal(best.TestLoss, evaluation.Loss, 1e-5);
        }
    }

    [Fact]
    public void Resume_continues_from_the_last_checkpoint_with_its_history_and_optimizer()
    {
        var copy = Directory.CreateTempSubdirectory("capsnet-resume-").FullName;
        try
        {
            CopyDirectory(run.RunDirectory, copy);
            var options = run.Options with { Output = copy, Epochs = TrainingRunFixture.Epochs + 1, Resume = true };
            var resumed = new Trainer(options, CPU, SilentTrainingProgress.Instance).Run(run.Train, run.Test);

            Assert.Equal(TrainingRunFixture.Epochs + 1, resumed.History.Count);
            Assert.Equal(run.Result.History, resumed.History.Take(TrainingRunFixture.Epochs));
            Assert.Equal(TrainingRunFixture.Epochs + 1, Checkpoint.ReadMetadata(resumed.LastCheckpoint).Epoch);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void A_finished_run_resumed_with_the_same_epochs_trains_nothing_more()
    {
        var copy = Directory.CreateTempSubdirectory("capsnet-resume-").FullName;
        try
        {
            CopyDirectory(run.RunDirectory, copy);
            var before = File.GetLastWriteTimeUtc(Trainer.LastCheckpointPath(copy));
            var resumed = new Trainer(run.Options with { Output = copy, Resume = true }, CPU, SilentTrainingProgress.Instance)
                .Run(run.Train, run.Test);
            Assert.Equal(run.Result.History, resumed.History);
            Assert.Equal(before, File.GetLastWriteTimeUtc(Trainer.LastCheckpointPath(copy)));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void Resuming_with_a_setting_that_shapes_the_result_changed_is_refused_in_one_line_and_changes_nothing()
    {
        var copy = Directory.CreateTempSubdirectory("capsnet-resume-").FullName;
        try
        {
            CopyDirectory(run.RunDirectory, copy);
            var before = Directory.GetFiles(copy, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);
            var options = run.Options with { Output = copy, Epochs = TrainingRunFixture.Epochs + 1, Resume = true, LearningRateDecay = 0.5 };
            var error = Assert.Throws<CheckpointException>(() => new Trainer(options, CPU, SilentTrainingProgress.Instance).Run(run.Train, run.Test));
            Assert.Contains("--lr-decay 0.5 (was 1)", error.Message);
            Assert.Contains(Trainer.LastCheckpointPath(copy), error.Message);
            Assert.DoesNotContain("\n", error.Message);
            Assert.All(before, file => Assert.Equal(file.Value, File.ReadAllBytes(file.Key)));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    internal static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(directory.Replace(from, to));
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to), overwrite: true);
    }
}
