using CapsNetService.Tests;
using CapsNetService.Training.Run;

namespace CapsNetService.Training.Tests.Run;

/// <summary>
/// A resumed run is a new process, so an epoch's shuffle and shifts must be seeded the same in every process. They
/// were seeded with HashCode.Combine(seed, epoch), which .NET randomises per process: scripts/kill-and-resume.sh found
/// two runs with the same arguments apart from their first epoch on (test accuracy 0.304 vs 0.285 after epoch 1 of
/// 2,000 images), and a resumed run that did not end where the uninterrupted one did (0.865 vs 0.875).
/// </summary>
public sealed class EpochSeedTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("capsnet-seed-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void The_epoch_seed_is_plain_arithmetic_on_seed_and_epoch()
    {
        Assert.Equal(42_000_127, Trainer.EpochSeed(42, 1));
        Assert.Equal(42_000_128, Trainer.EpochSeed(42, 2));
        Assert.NotEqual(Trainer.EpochSeed(1, 2), Trainer.EpochSeed(2, 1));
    }

    [SlowFact]
    public void Two_processes_with_the_same_arguments_train_the_same_epochs()
    {
        var first = Train("a");
        var second = Train("b");
        // epoch, learning rate, losses and accuracies; not the time columns.
        static string[] Results(string csv) => File.ReadAllLines(csv).Select(l => string.Join(',', l.Split(',').Take(7))).ToArray();
        Assert.Equal(Results(first), Results(second));
    }

    private string Train(string name)
    {
        var output = Path.Combine(folder, name);
        var run = ProgramRun.Start("capsnet-train.dll",
            ["train", "--epochs", "2", "--limit-train", "100", "--limit-test", "50", "--batch-size", "50",
             "--seed", "3", "--device", "cpu", "--no-export", "--data-dir", RepositoryPaths.MnistDirectory,
             "--no-download", "--output", output]);
        Assert.True(run.ExitCode == 0, run.Output);
        return Path.Combine(output, "metrics.csv");
    }
}
