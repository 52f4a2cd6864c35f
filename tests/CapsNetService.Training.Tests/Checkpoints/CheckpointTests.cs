using CapsNetService.Training.Checkpoints;
using CapsNetService.Training.Run;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.Checkpoints;

public sealed class CheckpointTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("capsnet-ckpt-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void A_missing_checkpoint_gives_a_clear_error()
    {
        var path = Path.Combine(folder, "nope.ckpt");
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(path, CPU));
        Assert.Contains("not found", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_checkpoint_gives_a_clear_error()
    {
        var path = Path.Combine(folder, "garbage.ckpt");
        File.WriteAllBytes(path, new byte[] { 1, 2, 3, 4, 5 });
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(path, CPU));
        Assert.Contains("not a CapsNetService checkpoint", error.Message);
    }

    [Fact]
    public void A_zip_without_weights_gives_a_clear_error()
    {
        var path = Path.Combine(folder, "empty.ckpt");
        using (var zip = new System.IO.Compression.ZipArchive(File.Create(path), System.IO.Compression.ZipArchiveMode.Create))
            zip.CreateEntry("readme.txt");
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(path, CPU));
        Assert.Contains("meta.json is missing", error.Message);
    }
}
