using System.Diagnostics;
using CapsNetService.LoadTest.Images;
using CapsNetService.LoadTest.Measurement;

namespace CapsNetService.LoadTest.Runs;

public sealed record OpenLoopSettings(Uri Url, int? Pid, double Rate, TimeSpan Duration, TimeSpan Warmup, ArrivalPattern Pattern,
                                      int MaxInFlight, int Seed, string? Query);

/// <param name="Scheduled">Arrivals due in the measured window.</param>
/// <param name="Answered">Of those, how many got an answer (any status).</param>
/// <param name="RequestsPerSecond">Answered ÷ the window's length: the rate asked for, when the service keeps up.</param>
/// <param name="Latency">From the moment each request was due (not when it was sent) to its answer.</param>
/// <param name="Dropped">Arrivals not sent because <see cref="OpenLoopSettings.MaxInFlight"/> requests were already waiting.</param>
/// <param name="SendLag">How late the requests were sent after their due moment (the load generator's own delay).</param>
/// <param name="BatchSizes">The service's gathered calls from the window's start until the last answer (GET /metrics).</param>
public sealed record OpenLoopResult(
    double Rate, ArrivalPattern Pattern, double Seconds, int Scheduled, int Answered, double RequestsPerSecond, LatencySummary Latency,
    int Errors, int Dropped, IReadOnlyList<string> SampleErrors, double Accuracy, LatencySummary SendLag, BatchSizeDistribution? BatchSizes,
    long? RssEnd, long? PeakRss)
{
    public bool Passed => Errors == 0 && Dropped == 0 && Answered > 0;
}

/// <summary>
/// Open-loop load: requests arrive at <see cref="OpenLoopSettings.Rate"/> per second on a schedule fixed in advance
/// (<see cref="ArrivalSchedule"/>), each sent whether or not earlier ones have been answered, so that a service that
/// cannot keep up builds a queue and its latency shows it (a closed loop of N clients never offers more than N
/// requests at once, and waits politely while the service is slow). Latency counts from each request's due moment.
/// </summary>
public static class OpenLoopLoad
{
    public static async Task<OpenLoopResult> RunAsync(OpenLoopSettings settings, MnistDigits digits, TextWriter log)
    {
        await using var memory = new ProcessMemorySampler(settings.Pid, TimeSpan.FromMilliseconds(250));
        memory.Start();
        using var traffic = new DigitTraffic(settings.Url, digits, settings.MaxInFlight, settings.Seed, query: settings.Query);
        using var metrics = new HttpClient { BaseAddress = settings.Url, Timeout = TimeSpan.FromSeconds(10) };
        var schedule = new ArrivalSchedule(settings.Rate, settings.Pattern, settings.Seed);
        double windowStart = settings.Warmup.TotalSeconds, windowEnd = windowStart + settings.Duration.TotalSeconds;

        var sent = new List<(double Due, double Lag, Task<TrafficSample> Answer)>();
        int inFlight = 0, dropped = 0;
        var random = new Random(settings.Seed);
        long origin = Stopwatch.GetTimestamp();
        traffic.StartClock();
        var atWindowStart = Task.Run(async () =>
        {
            await Task.Delay(settings.Warmup);
            log.WriteLine($"  warm-up over ({settings.Warmup.TotalSeconds:F0} s); measuring {settings.Duration.TotalSeconds:F0} s at {settings.Rate:F1} requests/s");
            return await BatchSizeDistribution.ReadAsync(metrics);
        });

        void Fire(long index, double due)
        {
            double lag = Stopwatch.GetElapsedTime(origin).TotalSeconds - due;
            bool inWindow = due >= windowStart;
            if (Interlocked.Increment(ref inFlight) > settings.MaxInFlight)
            {
                Interlocked.Decrement(ref inFlight);
                if (inWindow) dropped++;
                return;
            }
            long dueAt = origin + (long)(due * Stopwatch.Frequency);
            int image = random.Next();
            var answer = Task.Run(async () =>
            {
                try { return await traffic.PostAsync(image, dueAt); }
                finally { Interlocked.Decrement(ref inFlight); }
            });
            if (inWindow) sent.Add((due, lag, answer));
        }

        // Timers on Linux are good to about a millisecond; a shorter wait would spin a core the service needs.
        await OpenLoopDispatcher.RunAsync(schedule, windowEnd, () => Stopwatch.GetElapsedTime(origin).TotalSeconds,
                                          wait => Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait), Fire);
        var samples = await Task.WhenAll(sent.Select(s => s.Answer));
        var batches = (await BatchSizeDistribution.ReadAsync(metrics))?.Since(await atWindowStart);
        var end = memory.Sample();

        var errors = samples.Where(s => s.Error is not null).ToList();
        var ok = samples.Where(s => s.Status == 200).ToList();
        int scheduled = sent.Count + dropped;
        return new OpenLoopResult(
            settings.Rate, settings.Pattern, settings.Duration.TotalSeconds, scheduled, samples.Length, samples.Length / settings.Duration.TotalSeconds,
            LatencySummary.Of(samples.Select(s => s.Milliseconds)), errors.Count, dropped, errors.Take(5).Select(e => e.Error!).ToList(),
            ok.Count == 0 ? 0 : (double)ok.Count(s => s.Correct) / ok.Count, LatencySummary.Of(sent.Select(s => s.Lag * 1000)), batches,
            end?.Rss, memory.PeakRss);
    }

    public static void Print(OpenLoopResult result, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"Open loop: {result.Rate:F1} requests/s ({result.Pattern.ToString().ToLowerInvariant()} arrivals), {result.Seconds:F1} s measured: "
                         + $"{result.Scheduled} due, {result.Answered} answered ({result.RequestsPerSecond:F1}/s), {result.Errors} error(s), "
                         + $"{result.Dropped} dropped, digits right {result.Accuracy:P2}");
        output.WriteLine($"Latency from the due moment: mean {result.Latency.Mean:F1} ms, {result.Latency}");
        output.WriteLine($"Send lag: p50 {result.SendLag.P50:F2} ms, p99 {result.SendLag.P99:F2} ms, max {result.SendLag.Max:F2} ms");
        if (result.BatchSizes is { } b)
            output.WriteLine($"Service batch sizes: {b.Calls} calls, {b.Mean:F2} images per call; {b.Describe()}");
        foreach (var e in result.SampleErrors) output.WriteLine($"  error: {e}");
        output.WriteLine(result.Passed ? "Open loop: PASS" : "Open loop: FAIL");
    }
}
