using CapsNetService.Training.Checkpoints;
using CapsNetService.Tests;
using CapsNetService.Training.Cli;
using CapsNetService.Training.Model;
using CapsNetService.Training.Reporting;
using CapsNetService.Training.Run;
using static TorchSharp.torch;
using CapsNetService.Training.IO;

namespace CapsNetService.Training.Tests.Run;

/// <summary>
/// A full disk, a read-only or an unwritable folder while the trainer writes (scripts/training-faults.sh does the
/// real thing with tmpfs mounts; docs/reliability.md has its results): the previous file stays byte-identical, no
/// temporary file is left, the error names the file and says so, and the CLI fails before training, in one line.
/// </summary>
public sealed class OutputFaultTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("capsnet-faults-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void A_write_that_fails_like_a_full_disk_names_the_file_and_leaves_the_old_one()
    {
        var path = Path.Combine(folder, "metrics.json");
        AtomicFile.WriteAllText(path, "{\"epochs\": 1}");

        var error = Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("{\"epochs\": 2, \"half"u8);
            throw new IOException("No space left on device : '" + path + ".tmp'");
        }));

        Assert.Contains($"cannot write {path}", error.Message);
        Assert.Contains("No space left on device", error.Message);
        Assert.Contains("unchanged", error.Message);
        Assert.Equal("{\"epochs\": 1}", File.ReadAllText(path));
        Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
    }

    [Fact]
    public void A_checkpoint_that_cannot_be_written_leaves_the_previous_one_byte_identical()
    {
        var path = Path.Combine(folder, "checkpoints", Trainer.LastCheckpointName);
        using var model = new CapsNet(CapsNetArchitecture.Paper);
        Checkpoint.Save(path, model, Metadata(epoch: 1), optimizer: null);
        var before = File.ReadAllBytes(path);

        // Something in the way of the temporary file (here a folder; on a full disk, the disk) makes the save fail.
        Directory.CreateDirectory(path + ".tmp");
        var error = Assert.ThrowsAny<Exception>(() => Checkpoint.Save(path, model, Metadata(epoch: 2), optimizer: null));

        Assert.True(error is IOException or UnauthorizedAccessException, error.GetType().Name);
        Assert.Contains(path, error.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(1, Checkpoint.ReadMetadata(path).Epoch);
    }

    [Fact]
    public void An_output_folder_that_cannot_be_created_is_refused_before_training()
    {
        var blocker = Path.Combine(folder, "not-a-folder");
        File.WriteAllText(blocker, "a file where the run folder's parent should be");
        var output = Path.Combine(blocker, "run");

        var error = Assert.Throws<IOException>(() => WritableFolder.Require(output, "--output"));
        Assert.Contains("--output", error.Message);
        Assert.Contains(output, error.Message);
        Assert.Contains("nothing was trained", error.Message);
        Assert.Empty(Directory.GetFiles(folder, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_writable_folder_passes_and_keeps_no_probe()
    {
        var output = Path.Combine(folder, "new", "run");
        WritableFolder.Require(output, "--output");
        Assert.True(Directory.Exists(output));
        Assert.Empty(Directory.GetFileSystemEntries(output));
    }

    [SlowFact]
    public void The_cli_refuses_an_unwritable_output_folder_at_once_in_one_line_on_stderr()
    {
        var blocker = Path.Combine(folder, "blocker");
        File.WriteAllText(blocker, "x");
        var run = ProgramRun.Start("capsnet-train.dll",
            ["train", "--epochs", "1", "--limit-train", "100", "--limit-test", "100", "--device", "cpu",
             "--data-dir", RepositoryPaths.MnistDirectory, "--no-download", "--output", Path.Combine(blocker, "run")]);

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        var line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: the --output folder", line);
        Assert.Contains("nothing was trained", line);
        Assert.DoesNotContain("Epoch 1/1", run.StandardOutput);
        Assert.DoesNotContain("   at ", run.StandardError);
    }

    private static CheckpointMetadata Metadata(int epoch) => new()
    {
        Epoch = epoch,
        Architecture = CapsNetArchitecture.Paper,
        Options = new TrainOptions { Seed = 1, Epochs = 3, LimitTrain = 100, LimitTest = 100 },
        History = [],
        Device = "cpu",
        StartedAt = DateTimeOffset.UnixEpoch,
        SavedAt = DateTimeOffset.UnixEpoch,
    };
}
