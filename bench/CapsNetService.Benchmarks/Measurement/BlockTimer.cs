using System.Diagnostics;

namespace CapsNetService.Benchmarks.Measurement;

/// <summary>What <see cref="BlockTimer"/> measured: every kept call's time, and per kept block how busy this process
/// and the others were. <see cref="Retaken"/> counts blocks thrown away because another process was busy.</summary>
public sealed record BlockTiming(Samples Milliseconds, double CoresBusy, double OthersCores, int Blocks, int Retaken);

/// <summary>
/// <see cref="StepTimer"/> for calls too short for /proc's 10 ms CPU ticks (an ONNX Runtime call of one image takes a
/// few milliseconds): every call is timed on its own with a Stopwatch, but the calls are grouped into blocks of at
/// least <c>blockMilliseconds</c>, and the CPU that other processes used is read around each block. A block during
/// which others used more than <c>maxOthersCores</c> is thrown away with all its calls and taken again, at most
/// <c>maxRetakes</c> times in all; after that disturbed blocks are kept and <see cref="BlockTiming.OthersCores"/>
/// shows it. A call of a block's length or longer is a block by itself. After a disturbed block it waits (up to
/// <c>quietWaitSeconds</c>) until the other processes have been quiet for a quarter of a second before it goes on,
/// so that a build of a few seconds costs a short wait rather than all the retakes.
/// </summary>
public static class BlockTimer
{
    public static BlockTiming Measure(int warmUp, int repetitions, Action call, double blockMilliseconds = 250,
                                      double maxOthersCores = 0.15, int maxRetakes = 0, Action<string>? log = null, string? label = null,
                                      double quietWaitSeconds = 5)
    {
        if (repetitions < 1) throw new ArgumentOutOfRangeException(nameof(repetitions), "at least one timed call");
        for (int i = 0; i < warmUp; i++) call();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        var times = new List<double>(repetitions);
        var block = new List<double>();
        double keptCpuMs = 0, keptWallMs = 0, keptOthersCoreMs = 0;
        int blocks = 0, retaken = 0;
        var process = Process.GetCurrentProcess();
        while (times.Count < repetitions)
        {
            block.Clear();
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var accountBefore = CpuAccounting.Read();
            long blockStart = Stopwatch.GetTimestamp();
            do
            {
                long start = Stopwatch.GetTimestamp();
                call();
                block.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            } while (times.Count + block.Count < repetitions && Stopwatch.GetElapsedTime(blockStart).TotalMilliseconds < blockMilliseconds);
            double blockMs = Stopwatch.GetElapsedTime(blockStart).TotalMilliseconds;
            var accountAfter = CpuAccounting.Read();
            process.Refresh();
            double others = accountBefore is { } b && accountAfter is { } a ? CpuAccounting.OthersCores(b, a) : 0;
            // Below ~5 ticks of /proc's clock the reading says little; such a short last block is kept as it is.
            bool disturbed = blockMs >= 50 && others > maxOthersCores;
            if (disturbed && retaken < maxRetakes)
            {
                retaken++;
                double waited = WaitForQuiet(maxOthersCores, quietWaitSeconds);
                log?.Invoke($"{label}: a block of {block.Count} calls ({blockMs:F0} ms) ran while other processes used {others:F2} cores: "
                            + $"thrown away, taken again after waiting {waited:F1} s for quiet");
                continue;
            }
            blocks++;
            times.AddRange(block);
            keptWallMs += blockMs;
            keptCpuMs += (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
            keptOthersCoreMs += others * blockMs;
        }
        return new BlockTiming(new Samples(times), keptCpuMs / keptWallMs, keptOthersCoreMs / keptWallMs, blocks, retaken);
    }

    /// <summary>Sleeps until a quarter of a second passes in which other processes use at most
    /// <paramref name="maxOthersCores"/>, or <paramref name="maxSeconds"/> have passed; returns the seconds waited.</summary>
    public static double WaitForQuiet(double maxOthersCores, double maxSeconds)
    {
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < maxSeconds)
        {
            var before = CpuAccounting.Read();
            Thread.Sleep(250);
            var after = CpuAccounting.Read();
            if (before is not { } b || after is not { } a || CpuAccounting.OthersCores(b, a) <= maxOthersCores) break;
        }
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
