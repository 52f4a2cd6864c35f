using System.Runtime.InteropServices;

namespace CapsNetService.Common;

/// <summary>
/// glibc's <c>mallopt</c>, for the two processes that tune how native tensors are allocated (the trainer keeps them in
/// the heap, the service keeps hot-reloaded weights out of it; each says why). Where the C library is not glibc
/// (musl, Windows, macOS) nothing is changed.
/// </summary>
public static class GlibcMalloc
{
    public const int TrimThreshold = -1;   // M_TRIM_THRESHOLD
    public const int MmapThreshold = -3;   // M_MMAP_THRESHOLD
    public const int MmapMax = -4;         // M_MMAP_MAX

    /// <returns>true when glibc accepted the setting.</returns>
    public static bool TrySet(int parameter, int value)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return mallopt(parameter, value) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);
}
