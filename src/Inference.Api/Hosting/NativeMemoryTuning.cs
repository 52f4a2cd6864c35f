
namespace CapsNetService.Inference.Api.Hosting;

/// <summary>
/// Keeps hot reloads from growing the process. glibc's malloc raises its mmap threshold dynamically (up to 32 MiB)
/// each time a large mmapped block is freed; after the first model is replaced, the next model's weight buffers
/// (megabytes each) are therefore carved from the heap arenas instead of mmapped, and when that model is replaced in
/// turn its freed buffers stay in the arenas, fragmented, instead of going back to the system. Measured under load
/// (capsnet-loadtest faults --reload-cycles 30, docs/reliability.md): RSS 533 → 1,008 MiB over 30 reloads by default,
/// flat at about 297 MiB with the threshold fixed at 128 KiB, which is what this sets (M_MMAP_THRESHOLD; setting it
/// also turns the dynamic adjustment off). Linux with glibc only; elsewhere, or when MALLOC_MMAP_THRESHOLD_ is already
/// set in the environment, nothing is changed. <c>CAPSNET_MALLOC_MMAP_THRESHOLD</c> = bytes overrides the value; 0
/// leaves glibc alone.
/// </summary>
public static class NativeMemoryTuning
{
    public const string Variable = "CAPSNET_MALLOC_MMAP_THRESHOLD";
    public const int DefaultThreshold = 128 * 1024;

    /// <summary>Applies the threshold once; true when glibc accepted it.</summary>
    public static bool Apply()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is { Length: > 0 }) return false;
        int threshold = DefaultThreshold;
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } text
            && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var configured))
            threshold = configured;
        return threshold > 0 && SetMmapThreshold(threshold);
    }

    public static bool SetMmapThreshold(int bytes) => GlibcMalloc.TrySet(GlibcMalloc.MmapThreshold, bytes);
}
