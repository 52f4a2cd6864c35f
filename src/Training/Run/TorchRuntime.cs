using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.Run;

/// <summary>
/// Chooses the compute device and, when asked, loads libtorch from an existing PyTorch install
/// (e.g. <c>.../site-packages/torch/lib</c>) instead of the one bundled with the app. That lets the trainer use
/// CUDA on any Linux box with a CUDA build of PyTorch, even where the TorchSharp CUDA packages are not available.
/// </summary>
public static class TorchRuntime
{
    public const string LibTorchDirVariable = "CAPSNET_LIBTORCH_DIR";

    /// <summary>Loaded in dependency order, by full path, before the first TorchSharp call, so that TorchSharp's
    /// own native library binds to them instead of looking for a bundled copy.</summary>
    private static readonly string[] LibTorchLibraries =
        ["libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so"];

    public static Device Initialise(DeviceChoice choice, string? libTorchDirectory, Action<string> log)
    {
        libTorchDirectory ??= Environment.GetEnvironmentVariable(LibTorchDirVariable) is { Length: > 0 } fromEnv ? fromEnv : null;
        if (libTorchDirectory is not null) LoadExternalLibTorch(libTorchDirectory, log);

        if (choice != DeviceChoice.Cpu)
        {
            try
            {
                InitializeDeviceType(DeviceType.CUDA);
            }
            catch (Exception e) when (choice == DeviceChoice.Auto)
            {
                log($"CUDA not usable ({FirstLine(e.Message)}); training on the CPU.");
            }
        }
        if (choice == DeviceChoice.Cuda && !cuda.is_available())
            throw new InvalidOperationException(
                "--device cuda was asked for, but CUDA is not available: this build carries the CPU libtorch "
                + $"(build with -p:TorchBackend=cuda, or point --libtorch-dir / {LibTorchDirVariable} at a CUDA PyTorch's torch/lib).");

        var device = choice != DeviceChoice.Cpu && cuda.is_available() ? CUDA : CPU;
        if (device.type == DeviceType.CPU)
        {
            set_num_threads(Environment.ProcessorCount);
            NativeMemoryTuning.KeepLargeAllocationsInHeap();
        }
        return device;
    }

    private static void LoadExternalLibTorch(string directory, Action<string> log)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"libtorch folder not found: {directory}");
        foreach (var name in LibTorchLibraries)
        {
            var path = Path.Combine(directory, name);
            if (!File.Exists(path))
            {
                if (name.Contains("cuda")) continue;   // a CPU-only PyTorch has no CUDA libraries
                throw new FileNotFoundException($"{name} not found in the libtorch folder {directory}", path);
            }
            NativeLibrary.Load(path);
        }
        log($"Using libtorch from {directory}");
    }

    public static string Describe(Device device) =>
        device.type == DeviceType.CUDA
            ? $"cuda ({cuda.device_count()} device(s))"
            : $"cpu ({get_num_threads()} threads)";

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
