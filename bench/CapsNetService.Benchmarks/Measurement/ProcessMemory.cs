namespace CapsNetService.Benchmarks.Measurement;

/// <summary>Resident memory of this process from <c>/proc/self/status</c> (Linux), in MiB; null elsewhere.
/// It counts everything: the .NET runtime, libtorch's native allocations and the loaded data set.</summary>
public static class ProcessMemory
{
    /// <summary>Peak resident set size since the process started (VmHWM).</summary>
    public static double? PeakResidentMiB() => Read("VmHWM:");

    /// <summary>Current resident set size (VmRSS).</summary>
    public static double? ResidentMiB() => Read("VmRSS:");

    /// <summary>VmRSS of another process (the service under load); null when it is gone.</summary>
    public static double? ResidentMiB(int pid) => Read("VmRSS:", $"/proc/{pid}/status");

    /// <summary>VmHWM of another process; null when it is gone.</summary>
    public static double? PeakResidentMiB(int pid) => Read("VmHWM:", $"/proc/{pid}/status");

    private static double? Read(string field, string status = "/proc/self/status")
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(status);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        foreach (var line in lines)
        {
            if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
            var parts = line[field.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;   // kB → MiB
        }
        return null;
    }
}
