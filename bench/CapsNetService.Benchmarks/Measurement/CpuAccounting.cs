using System.Globalization;

namespace CapsNetService.Benchmarks.Measurement;

/// <summary>
/// CPU time of the whole machine (from <c>/proc/stat</c>, hypervisor steal included) and of this process (from
/// <c>/proc/self/stat</c>), in clock ticks, so that a measurement can tell how much CPU <em>other</em> processes took
/// while it ran. Linux only; elsewhere <see cref="Read"/> returns null.
/// </summary>
public static class CpuAccounting
{
    /// <summary>USER_HZ: the tick of /proc's CPU times, 100 on every Linux architecture .NET runs on.</summary>
    private const double TicksPerSecond = 100;

    public readonly record struct Snapshot(long MachineBusyTicks, long OwnTicks, long Timestamp);

    public static Snapshot? Read()
    {
        try
        {
            var cpu = File.ReadLines("/proc/stat").First(l => l.StartsWith("cpu ", StringComparison.Ordinal))
                          .Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // user nice system idle iowait irq softirq steal ...: everything but idle and iowait is busy.
            long busy = new[] { 1, 2, 3, 6, 7, 8 }.Sum(i => long.Parse(cpu[i], CultureInfo.InvariantCulture));
            var self = File.ReadAllText("/proc/self/stat");
            var fields = self[(self.LastIndexOf(')') + 2)..].Split(' ');   // fields from the 3rd (state) on
            long own = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);   // utime + stime
            return new Snapshot(busy, own, System.Diagnostics.Stopwatch.GetTimestamp());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Cores' worth of CPU that other processes (and the hypervisor) used between two snapshots.</summary>
    public static double OthersCores(Snapshot before, Snapshot after)
    {
        double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp).TotalSeconds;
        long others = (after.MachineBusyTicks - before.MachineBusyTicks) - (after.OwnTicks - before.OwnTicks);
        return Math.Max(0, others) / TicksPerSecond / seconds;
    }
}
