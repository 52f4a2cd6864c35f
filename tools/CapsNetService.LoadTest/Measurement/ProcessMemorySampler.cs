using System.Globalization;

namespace CapsNetService.LoadTest.Measurement;

/// <summary>One reading of a process's memory from /proc/PID/status, in bytes.</summary>
/// <param name="Rss">VmRSS: resident now.</param>
/// <param name="HighWaterMark">VmHWM: the most it has ever been resident (the kernel's own peak).</param>
public sealed record MemoryReading(DateTimeOffset At, long Rss, long HighWaterMark)
{
    public static string Mib(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("F0", CultureInfo.InvariantCulture) + " MiB";
}

/// <summary>
/// Samples the server's resident memory (VmRSS, VmHWM from /proc/PID/status) in the background, and notices when
/// the process is gone. Without a PID (another machine, a container) it samples nothing and reports nothing.
/// </summary>
public sealed class ProcessMemorySampler : IAsyncDisposable
{
    private readonly int? _pid;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<MemoryReading> _readings = [];
    private Task? _loop;

    public ProcessMemorySampler(int? pid, TimeSpan? interval = null)
    {
        _pid = pid;
        _interval = interval ?? TimeSpan.FromMilliseconds(100);
    }

    public bool Enabled => _pid is not null;

    /// <summary>True once a read found no /proc/PID: the server process has exited.</summary>
    public bool ProcessGone { get; private set; }

    public void Start()
    {
        if (_pid is null || _loop is not null) return;
        Sample();
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(_interval);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token)) Sample();
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    /// <summary>Reads the memory now (and records it); null without a PID or when the process is gone.</summary>
    public MemoryReading? Sample()
    {
        if (_pid is not { } pid) return null;
        var reading = Read(pid);
        if (reading is null)
        {
            ProcessGone = true;
            return null;
        }
        lock (_lock) _readings.Add(reading);
        return reading;
    }

    public IReadOnlyList<MemoryReading> Readings
    {
        get { lock (_lock) return _readings.ToList(); }
    }

    /// <summary>The highest VmRSS sampled (between samples it may have been higher: see <see cref="MemoryReading.HighWaterMark"/>).</summary>
    public long? PeakRss
    {
        get { lock (_lock) return _readings.Count == 0 ? null : _readings.Max(r => r.Rss); }
    }

    public MemoryReading? First
    {
        get { lock (_lock) return _readings.FirstOrDefault(); }
    }

    public MemoryReading? Last
    {
        get { lock (_lock) return _readings.LastOrDefault(); }
    }

    public static MemoryReading? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/status");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        long rss = 0, hwm = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kilobytes(line) * 1024;
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Kilobytes(line) * 1024;
            // A zombie has no memory lines: it has exited.
            else if (line.StartsWith("State:", StringComparison.Ordinal) && line.Contains("zombie", StringComparison.Ordinal)) return null;
        }
        return new MemoryReading(DateTimeOffset.UtcNow, rss, hwm);
    }

    private static long Kilobytes(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb) ? kb : 0;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null) await _loop;
        _stop.Dispose();
    }
}
