using CapsNetService.Common;
using CapsNetService.Tests;
using CapsNetService.Training.Checkpoints;
using CapsNetService.Training.Export;
using CapsNetService.Training.IO;
using CapsNetService.Training.Run;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.Run;

/// <summary>What a run does with the folder it is pointed at: it never replaces a previous run unless told to,
/// never resumes from nothing over a finished run, refuses a corrupt checkpoint, and clears the temporary files a
/// killed run or export left behind.</summary>
[Collection(TrainedModelCollection.Name)]
public sealed class RunFolderTests(TrainingRunFixture run) : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("capsnet-folder-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string CopyOfTheRun(string name)
    {
        var copy = Path.Combine(folder, name);
        Directory.CreateDirectory(copy);
        TrainerTests.CopyDirectory(run.RunDirectory, copy);
        return copy;
    }

    private static Dictionary<string, string> Snapshot(string directory) =>
        Directory.GetFiles(directory, "*", SearchOption.AllDirectories)
                 .ToDictionary(f => f, f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

    private TrainingResult Train(TrainOptions options) =>
        new Trainer(options, CPU, SilentTrainingProgress.Instance).Run(run.Train, run.Test);

    [Fact]
    public void A_resume_without_a_last_checkpoint_over_a_finished_run_stops_and_changes_nothing()
    {
        var copy = CopyOfTheRun("no-last");
        File.Delete(Trainer.LastCheckpointPath(copy));
        var before = Snapshot(copy);

        var error = Assert.Throws<InvalidOperationException>(() =>
            Train(run.Options with { Output = copy, Resume = true, Epochs = TrainingRunFixture.Epochs + 1 }));
        Assert.Contains("--resume", error.Message);
        Assert.Contains("no checkpoints/last.ckpt", error.Message);
        Assert.Contains("best.ckpt", error.Message);
        Assert.Equal(before, Snapshot(copy));
    }

    [Fact]
    public void Starting_afresh_over_a_previous_run_needs_overwrite()
    {
        var copy = CopyOfTheRun("previous");
        var before = Snapshot(copy);
        var error = Assert.Throws<InvalidOperationException>(() => Train(run.Options with { Output = copy, Epochs = 1 }));
        Assert.Contains("holds a previous run", error.Message);
        Assert.Contains("--overwrite", error.Message);
        Assert.Equal(before, Snapshot(copy));

        var fresh = Train(run.Options with { Output = copy, Epochs = 1, Overwrite = true });
        Assert.Equal(1, Assert.Single(fresh.History).Epoch);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(copy, "metrics.csv")).Length);
        Assert.Equal(1, Checkpoint.ReadMetadata(fresh.LastCheckpoint).Epoch);
    }

    [Fact]
    public void A_flipped_bit_inside_a_checkpoint_entry_is_refused_naming_the_file_and_the_entry()
    {
        var copy = CopyOfTheRun("flipped");
        var last = Trainer.LastCheckpointPath(copy);
        var bytes = File.ReadAllBytes(last);
        // optimizer.bin is stored uncompressed: a byte well inside its data, past its local header and name.
        int header = IndexOf(bytes, "optimizer.bin"u8);
        bytes[header + 4096] ^= 0x01;
        File.WriteAllBytes(last, bytes);

        foreach (var read in new Action[]
                 {
                     () => Checkpoint.ReadMetadata(last),
                     () => Checkpoint.LoadModel(last, CPU).Model.Dispose(),
                     () => Train(run.Options with { Output = copy, Resume = true, Epochs = TrainingRunFixture.Epochs + 1 }),
                     () => OnnxExporter.Export(last, [Path.Combine(folder, "models")]),
                 })
        {
            var error = Assert.Throws<CheckpointException>(read);
            Assert.Contains(last, error.Message);
            Assert.Contains("optimizer.bin is corrupt (CRC-32", error.Message);
        }
        Assert.False(Directory.Exists(Path.Combine(folder, "models")));
    }

    [Fact]
    public void Temporary_files_a_killed_run_left_are_removed_by_the_next_and_nothing_else()
    {
        var output = Path.Combine(folder, "killed");
        var leftovers = new[]
        {
            Path.Combine(output, "checkpoints", "last.ckpt.tmp"), Path.Combine(output, "report.html.tmp"),
            Path.Combine(output, "metrics.json.tmp"), Path.Combine(output, TrainingRun.ModelFolder, $".{ModelContract.ModelFileName}.{Guid.NewGuid():N}.tmp"),
        };
        var someoneElses = Path.Combine(output, "notes.tmp");
        foreach (var file in leftovers.Append(someoneElses))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, "half a file");
        }

        Train(run.Options with { Output = output, Epochs = 1, LimitTrain = 50, LimitTest = 20 });

        Assert.All(leftovers, file => Assert.False(File.Exists(file), file));
        Assert.True(File.Exists(someoneElses));
        Assert.Equal([someoneElses], Directory.GetFiles(output, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void An_export_removes_stale_temporary_files_from_a_models_folder_but_not_fresh_ones()
    {
        var models = Path.Combine(folder, "models");
        Directory.CreateDirectory(models);
        var stale = Path.Combine(models, $".{ModelContract.ModelFileName}.{Guid.NewGuid():N}.tmp");
        var fresh = Path.Combine(models, $".{ModelContract.MetadataFileName}.{Guid.NewGuid():N}.tmp");   // another export, now
        File.WriteAllText(stale, "left by a killed export");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow - ModelPublisher.StaleAfter - TimeSpan.FromMinutes(1));
        File.WriteAllText(fresh, "being written");

        OnnxExporter.Export(run.Result.BestCheckpoint, [models]);

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh));
        Assert.True(TemporaryFiles.IsOurs(Path.GetFileName(fresh)));
        Assert.False(TemporaryFiles.IsOurs("notes.tmp"));
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle)
    {
        int at = haystack.AsSpan().IndexOf(needle);
        Assert.True(at >= 0, "entry name not found");
        return at;
    }
}
