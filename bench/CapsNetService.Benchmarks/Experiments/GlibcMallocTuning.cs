using System.Runtime.InteropServices;

namespace CapsNetService.Benchmarks.Experiments;

/// <summary>
/// EXPERIMENT: keeps glibc from handing libtorch's large tensors (tens of MB each in a CapsNet step) back to the
/// kernel. By default glibc serves every allocation above its mmap threshold (≤ 32 MiB) with a fresh mmap and
/// unmaps it on free, so each new activation or gradient tensor of a step page-faults all its pages in again
/// (zero-filled by the kernel): about 2 million minor faults per batch-100 step here. With mmap off and a high trim
/// threshold, freed tensors stay in the heap and are reused by the next step. Same effect as starting the process with
/// <c>GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=…</c>, but applied from inside the process.
/// Costs: the process keeps its peak heap resident instead of returning it.
/// </summary>
public static class GlibcMallocTuning
{
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_MAX = -4;

    /// <returns>false where this is not glibc (nothing was changed).</returns>
    public static bool KeepLargeAllocationsInHeap()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, int.MaxValue) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;   // musl or another libc: leave allocation as it is
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);
}
