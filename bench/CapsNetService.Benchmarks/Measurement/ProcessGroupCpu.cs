using System.Globalization;

namespace CapsNetService.Benchmarks.Measurement;

/// <summary>
/// CPU used by a few named processes (the service and the load generator) and by everything else on the machine,
/// between two snapshots: /proc/stat for the machine, /proc/PID/stat for each process, this process included (the
/// harness is idle while it waits, but counted). Linux only.
/// </summary>
public sealed class ProcessGroupCpu
{
    private const double TicksPerSecond = 100;   // USER_HZ

    public sealed record Snapshot(CpuAccounting.Snapshot Machine, IReadOnlyDictionary<int, long> ProcessTicks);

    /// <summary>Cores' worth of CPU over the interval: each named process's, and the rest of the machine's.</summary>
    public sealed record Usage(double Seconds, IReadOnlyDictionary<int, double> ProcessCores, double OthersCores);

    public static Snapshot? Read(params int[] pids)
    {
        if (CpuAccounting.Read() is not { } machine) return null;
        var ticks = new Dictionary<int, long>();
        foreach (int pid in pids) ticks[pid] = Ticks(pid) ?? 0;
        return new Snapshot(machine, ticks);
    }

    public static Usage Between(Snapshot before, Snapshot after)
    {
        double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(before.Machine.Timestamp, after.Machine.Timestamp).TotalSeconds;
        var cores = new Dictionary<int, double>();
        long named = 0;
        foreach (var (pid, ticks) in after.ProcessTicks)
        {
            long used = Math.Max(0, ticks - before.ProcessTicks.GetValueOrDefault(pid));
            named += used;
            cores[pid] = used / TicksPerSecond / seconds;
        }
        long own = after.Machine.OwnTicks - before.Machine.OwnTicks;
        long others = after.Machine.MachineBusyTicks - before.Machine.MachineBusyTicks - named - own;
        return new Usage(seconds, cores, Math.Max(0, others) / TicksPerSecond / seconds);
    }

    /// <summary>utime + stime of a process, in ticks; null when it is gone.</summary>
    public static long? Ticks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
