using System.Diagnostics;

namespace CapsNetService.Benchmarks.Measurement;

/// <summary>Timed repetitions; how many cores the process kept busy meanwhile (its CPU time ÷ wall time: about the
/// thread count when nothing else competed for the cores); how much CPU other processes took meanwhile, in cores;
/// and how many disturbed repetitions were thrown away and taken again.</summary>
public sealed record Timing(Samples Milliseconds, double CoresBusy, double OthersCores, int Retaken);

/// <summary>
/// A plain Stopwatch harness: <c>warmUp</c> untimed runs, then <c>repetitions</c> timed ones, each timed on its own.
/// Used instead of BenchmarkDotNet for whole training steps, which take seconds: BenchmarkDotNet's pilot,
/// overhead and warm-up stages and its default 15+ iterations per case would take many minutes per case here,
/// and its memory diagnoser sees only managed allocations, not libtorch's.
/// The machine is shared: a repetition during which other processes used more than <c>maxOthersCores</c> of CPU
/// (read from /proc, so only for repetitions long enough for its 10 ms ticks to mean something) is thrown away
/// and taken again, at most <c>maxRetakes</c> times in all.
/// </summary>
public static class StepTimer
{
    public static Timing Measure(int warmUp, int repetitions, Action step, Action<string>? log = null, string? label = null,
                                 double maxOthersCores = 0.15, int maxRetakes = 0)
    {
        if (repetitions < 1) throw new ArgumentOutOfRangeException(nameof(repetitions), "at least one timed repetition");
        for (int i = 0; i < warmUp; i++)
        {
            long start = Stopwatch.GetTimestamp();
            step();
            log?.Invoke($"{label} warm-up {i + 1}/{warmUp}: {Stopwatch.GetElapsedTime(start).TotalMilliseconds:F1} ms");
        }
        // Collect what warm-up left behind, so that a collection does not land in a timed step.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        var times = new List<double>(repetitions);
        double keptCpuMs = 0, keptWallMs = 0, keptOthersCoreMs = 0;
        int retaken = 0;
        var process = Process.GetCurrentProcess();
        while (times.Count < repetitions)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var accountBefore = CpuAccounting.Read();
            long start = Stopwatch.GetTimestamp();
            step();
            double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            var accountAfter = CpuAccounting.Read();
            process.Refresh();
            double others = accountBefore is { } b && accountAfter is { } a ? CpuAccounting.OthersCores(b, a) : 0;
            bool disturbed = ms >= 100 && others > maxOthersCores;
            if (disturbed && retaken < maxRetakes)
            {
                retaken++;
                log?.Invoke($"{label} step took {ms:F1} ms while other processes used {others:F2} cores: thrown away, taken again");
                continue;
            }
            times.Add(ms);
            keptWallMs += ms;
            keptCpuMs += (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
            keptOthersCoreMs += others * ms;
            log?.Invoke($"{label} step {times.Count}/{repetitions}: {ms:F1} ms (others {others:F2} cores, RSS {ProcessMemory.ResidentMiB():F0} MiB)");
        }
        return new Timing(new Samples(times), keptCpuMs / keptWallMs, keptOthersCoreMs / keptWallMs, retaken);
    }
}
