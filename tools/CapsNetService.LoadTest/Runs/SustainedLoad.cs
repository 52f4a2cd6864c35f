using CapsNetService.LoadTest.Images;
using CapsNetService.LoadTest.Measurement;

namespace CapsNetService.LoadTest.Runs;

public sealed record LoadSettings(Uri Url, int? Pid, int Clients, TimeSpan Duration, TimeSpan Warmup, int Seed, string? Query = null);

/// <summary>One slice of the measured window (requests and memory over time).</summary>
public sealed record LoadInterval(double From, double To, int Requests, double RequestsPerSecond, double P99, long? RssAtEnd);

public sealed record LoadResult(
    int Clients, double Seconds, int Requests, double RequestsPerSecond, LatencySummary Latency, int Errors,
    IReadOnlyList<string> SampleErrors, double Accuracy, long? RssIdle, long? RssStart, long? RssEnd, long? PeakRss, long? HighWaterMark,
    IReadOnlyList<LoadInterval> Intervals, BatchSizeDistribution? BatchSizes)
{
    public bool Passed => Errors == 0 && Requests > 0;
}

/// <summary>
/// Sustained load: <see cref="LoadSettings.Clients"/> concurrent clients posting real MNIST PNGs for
/// <see cref="LoadSettings.Duration"/> after a warm-up; requests/s, latency percentiles, errors, and the server's RSS
/// at the start and the end of the measured window; the service's batch sizes over the window (GET /metrics).
/// </summary>
public static class SustainedLoad
{
    public static async Task<LoadResult> RunAsync(LoadSettings settings, MnistDigits digits, TextWriter log)
    {
        await using var memory = new ProcessMemorySampler(settings.Pid, TimeSpan.FromMilliseconds(250));
        var idle = memory.Sample();
        memory.Start();
        using var traffic = new DigitTraffic(settings.Url, digits, settings.Clients, settings.Seed, query: settings.Query);
        using var metrics = new HttpClient { BaseAddress = settings.Url, Timeout = TimeSpan.FromSeconds(10) };
        using var stop = new CancellationTokenSource();
        var running = traffic.RunAsync(stop.Token);

        await Task.Delay(settings.Warmup);
        double windowStart = traffic.Elapsed;
        var start = memory.Sample();
        var batchesAtStart = await BatchSizeDistribution.ReadAsync(metrics);
        log.WriteLine($"  warm-up over ({settings.Warmup.TotalSeconds:F0} s); measuring {settings.Duration.TotalSeconds:F0} s with {settings.Clients} clients");
        var rssAt = new List<(double At, long Rss)>();
        var deadline = DateTime.UtcNow + settings.Duration;
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromSeconds(1) < deadline - DateTime.UtcNow ? TimeSpan.FromSeconds(1) : deadline - DateTime.UtcNow);
            if (memory.Sample() is { } m) rssAt.Add((traffic.Elapsed, m.Rss));
        }
        double windowEnd = traffic.Elapsed;
        var end = memory.Sample();
        var batches = (await BatchSizeDistribution.ReadAsync(metrics))?.Since(batchesAtStart);
        await stop.CancelAsync();
        await running;

        var all = traffic.Samples();
        var window = all.Where(s => s.EndedAt >= windowStart && s.EndedAt <= windowEnd).ToList();
        var errors = all.Where(s => s.Error is not null).ToList();
        double seconds = windowEnd - windowStart;
        var intervals = new List<LoadInterval>();
        double step = Math.Max(1, Math.Round(seconds / 6));
        for (double from = windowStart; from < windowEnd - 0.5; from += step)
        {
            double to = Math.Min(from + step, windowEnd);
            var slice = window.Where(s => s.EndedAt >= from && s.EndedAt < to).ToList();
            long? rss = rssAt.Where(r => r.At <= to + 0.5).Select(r => (long?)r.Rss).LastOrDefault();
            intervals.Add(new LoadInterval(from - windowStart, to - windowStart, slice.Count, slice.Count / (to - from),
                                           LatencySummary.Of(slice.Select(s => s.Milliseconds)).P99, rss));
        }
        var ok = window.Where(s => s.Status == 200).ToList();
        return new LoadResult(
            settings.Clients, seconds, window.Count, window.Count / seconds, LatencySummary.Of(window.Select(s => s.Milliseconds)),
            errors.Count, errors.Take(5).Select(e => e.Error!).ToList(),
            ok.Count == 0 ? 0 : (double)ok.Count(s => s.Correct) / ok.Count,
            idle?.Rss, start?.Rss, end?.Rss, memory.PeakRss, end?.HighWaterMark, intervals, batches);
    }

    public static void Print(LoadResult result, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"Sustained load: {result.Clients} clients, {result.Seconds:F1} s measured: {result.Requests} requests, "
                         + $"{result.RequestsPerSecond:F1} req/s, {result.Errors} error(s), digits right {result.Accuracy:P2}");
        output.WriteLine($"Latency: mean {result.Latency.Mean:F1} ms, {result.Latency}");
        if (result.RssStart is not null)
            output.WriteLine($"Server RSS: idle {MemoryReading.Mib(result.RssIdle ?? 0)}, window start {MemoryReading.Mib(result.RssStart ?? 0)}, "
                             + $"end {MemoryReading.Mib(result.RssEnd ?? 0)}, peak sampled {MemoryReading.Mib(result.PeakRss ?? 0)}, "
                             + $"VmHWM {MemoryReading.Mib(result.HighWaterMark ?? 0)}");
        if (result.BatchSizes is { } b)
            output.WriteLine($"Service batch sizes: {b.Calls} calls, {b.Mean:F2} images per call; {b.Describe()}");
        output.WriteLine($"{"window",-12} {"requests",9} {"req/s",8} {"p99 ms",8} {"RSS",9}");
        foreach (var i in result.Intervals)
            output.WriteLine($"{$"{i.From:F0}-{i.To:F0} s",-12} {i.Requests,9} {i.RequestsPerSecond,8:F1} {i.P99,8:F1} {(i.RssAtEnd is { } r ? MemoryReading.Mib(r) : "-"),9}");
        foreach (var e in result.SampleErrors) output.WriteLine($"  error: {e}");
        output.WriteLine(result.Passed ? "Load: PASS" : "Load: FAIL");
    }
}
