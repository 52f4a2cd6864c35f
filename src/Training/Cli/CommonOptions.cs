using System.CommandLine;
using CapsNetService.Training.Data;
using CapsNetService.Training.Training;

namespace CapsNetService.Training.Cli;

/// <summary>Options shared by the commands that need data or a device.</summary>
public static class CommonOptions
{
    public static readonly Option<DeviceChoice> Device = new("--device")
    {
        Description = "auto (CUDA when available), cuda or cpu",
        DefaultValueFactory = _ => DeviceChoice.Auto,
    };

    public static readonly Option<string?> LibTorchDir = new("--libtorch-dir")
    {
        Description = $"load libtorch from this folder (e.g. a CUDA PyTorch's torch/lib) instead of the bundled one; also ${TorchRuntime.LibTorchDirVariable}",
    };

    public static readonly Option<string> DataDir = new("--data-dir")
    {
        Description = "folder with the MNIST IDX files (.gz or raw); missing files are downloaded into it",
        DefaultValueFactory = _ => "data/mnist",
    };

    public static readonly Option<bool> NoDownload = new("--no-download")
    {
        Description = "fail instead of downloading missing MNIST files",
    };

    public static readonly Option<string[]> Mirrors = new("--mnist-mirror")
    {
        Description = "base URL serving the MNIST .gz files; repeat to try several (default: the usual public mirrors)",
        AllowMultipleArgumentsPerToken = false,
    };

    public static IReadOnlyList<string> MirrorsOrDefault(ParseResult result) =>
        result.GetValue(Mirrors) is { Length: > 0 } given ? given : MnistFiles.DefaultMirrors;
}
