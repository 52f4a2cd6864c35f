using System.Diagnostics;
using System.Text;
using CapsNetService.LoadTest.Corpus;
using CapsNetService.LoadTest.Http;
using CapsNetService.LoadTest.Measurement;

namespace CapsNetService.LoadTest.Runs;

public sealed record CorpusSettings(
    Uri Url, int? Pid, int Seed, int Count, int Concurrency, int SlowConcurrency, int BatchSize,
    TimeSpan RequestTimeout, TimeSpan SlowTimeout, string? DumpDirectory);

/// <summary>The corpus run's figures.</summary>
public sealed record CorpusResult(
    int Requests, IReadOnlyDictionary<string, int> ByStatus, IReadOnlyList<CategoryResult> Categories,
    IReadOnlyList<string> Violations, int LivenessChecks, int LivenessFailures, bool ProcessGone,
    long? RssBefore, long? RssAfter, long? PeakRss, long? HighWaterMark, double Seconds, double SlowestMilliseconds, string SlowestCase)
{
    public bool Passed => Violations.Count == 0 && LivenessFailures == 0 && !ProcessGone;
}

public sealed record CategoryResult(string Category, int Requests, IReadOnlyDictionary<string, int> ByStatus, int Violations, double MaxMilliseconds);

/// <summary>
/// Fires the hostile corpus at a running service: ordinary cases in batches, <see cref="CorpusSettings.Concurrency"/>
/// at a time, with GET /health/live after every batch; slow senders in their own lane beside them. Every answer goes
/// through <see cref="AnswerCheck"/>; the server's memory is sampled throughout.
/// </summary>
public static class CorpusRun
{
    public static async Task<CorpusResult> RunAsync(CorpusSettings settings, IReadOnlyList<HostileCase> corpus, TextWriter log)
    {
        if (settings.DumpDirectory is { } dump) Dump(corpus, dump, log);

        var client = new RawHttpClient(settings.Url.Host, settings.Url.Port);
        using var probe = new ServiceProbe(settings.Url);
        await using var memory = new ProcessMemorySampler(settings.Pid);
        memory.Start();
        var before = memory.Sample();
        var clock = Stopwatch.StartNew();

        var outcomes = new List<CaseOutcome>();
        var gate = new Lock();
        void Record(CaseOutcome outcome)
        {
            lock (gate) outcomes.Add(outcome);
            if (!outcome.Passed)
                log.WriteLine($"  VIOLATION #{outcome.Case.Id} [{outcome.Case.Category}] {outcome.Case.Case}: {string.Join("; ", outcome.Violations)}");
        }

        using var slowLane = new SemaphoreSlim(settings.SlowConcurrency);
        var slowTasks = corpus.Where(c => c.Slow).Select(async hostile =>
        {
            await slowLane.WaitAsync();
            try
            {
                Record(AnswerCheck.Evaluate(hostile, await client.SendAsync(hostile.Request, settings.SlowTimeout)));
            }
            finally
            {
                slowLane.Release();
            }
        }).ToList();

        int liveness = 0, livenessFailures = 0;
        var ordinary = corpus.Where(c => !c.Slow).ToList();
        for (int start = 0; start < ordinary.Count; start += settings.BatchSize)
        {
            var batch = ordinary.Skip(start).Take(settings.BatchSize).ToList();
            await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency }, async (hostile, _) =>
                Record(AnswerCheck.Evaluate(hostile, await client.SendAsync(hostile.Request, settings.RequestTimeout))));
            liveness++;
            if (!await probe.IsLiveAsync() || memory.ProcessGone)
            {
                livenessFailures++;
                log.WriteLine($"  VIOLATION: GET /health/live failed after batch {start / settings.BatchSize + 1}");
                if (memory.ProcessGone) break;
            }
            int done;
            lock (gate) done = outcomes.Count;
            log.WriteLine($"  {done}/{corpus.Count} answered, {clock.Elapsed.TotalSeconds:F0} s"
                          + (memory.Last is { } m ? $", server RSS {MemoryReading.Mib(m.Rss)}" : ""));
        }
        await Task.WhenAll(slowTasks);
        liveness++;
        if (!await probe.IsLiveAsync() || memory.ProcessGone)
        {
            livenessFailures++;
            log.WriteLine("  VIOLATION: GET /health/live failed after the slow senders");
        }
        var after = memory.Sample();
        clock.Stop();

        var violations = outcomes.Where(o => !o.Passed)
            .Select(o => $"#{o.Case.Id} [{o.Case.Category}] {o.Case.Case}: {string.Join("; ", o.Violations)}").ToList();
        var slowest = outcomes.MaxBy(o => o.Milliseconds);
        return new CorpusResult(
            outcomes.Count,
            CountByStatus(outcomes),
            outcomes.GroupBy(o => o.Case.Category).OrderBy(g => g.Key)
                    .Select(g => new CategoryResult(g.Key, g.Count(), CountByStatus(g), g.Count(o => !o.Passed), g.Max(o => o.Milliseconds)))
                    .ToList(),
            violations, liveness, livenessFailures, memory.ProcessGone,
            before?.Rss, after?.Rss, memory.PeakRss, after?.HighWaterMark ?? memory.Last?.HighWaterMark,
            clock.Elapsed.TotalSeconds, slowest?.Milliseconds ?? 0, slowest is null ? "" : $"[{slowest.Case.Category}] {slowest.Case.Case}");
    }

    private static SortedDictionary<string, int> CountByStatus(IEnumerable<CaseOutcome> outcomes) =>
        new(outcomes.GroupBy(o => o.Status?.ToString() ?? "none").ToDictionary(g => g.Key, g => g.Count()));

    public static void Print(CorpusResult result, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"Hostile corpus: {result.Requests} requests in {result.Seconds:F1} s; answers by status: "
                         + string.Join(", ", result.ByStatus.Select(p => $"{p.Key}: {p.Value}")));
        output.WriteLine($"{"category",-22} {"n",5}  {"statuses",-34} {"violations",10} {"slowest",10}");
        foreach (var c in result.Categories)
            output.WriteLine($"{c.Category,-22} {c.Requests,5}  {string.Join(" ", c.ByStatus.Select(p => $"{p.Key}×{p.Value}")),-34} {c.Violations,10} {c.MaxMilliseconds,8:F0} ms");
        output.WriteLine($"Liveness: {result.LivenessChecks - result.LivenessFailures}/{result.LivenessChecks} GET /health/live answered 200"
                         + (result.ProcessGone ? "; THE SERVER PROCESS IS GONE" : ""));
        if (result.PeakRss is { } peak)
            output.WriteLine($"Server memory: RSS {MemoryReading.Mib(result.RssBefore ?? 0)} before, {MemoryReading.Mib(result.RssAfter ?? 0)} after, "
                             + $"peak sampled {MemoryReading.Mib(peak)}, VmHWM {MemoryReading.Mib(result.HighWaterMark ?? 0)}");
        output.WriteLine($"Slowest answer: {result.SlowestMilliseconds:F0} ms ({result.SlowestCase})");
        output.WriteLine(result.Passed ? "Corpus: PASS" : $"Corpus: FAIL ({result.Violations.Count} violation(s))");
    }

    /// <summary>Writes every request to <paramref name="directory"/> as it goes on the wire (huge bodies described,
    /// not written), with an index.</summary>
    private static void Dump(IReadOnlyList<HostileCase> corpus, string directory, TextWriter log)
    {
        Directory.CreateDirectory(directory);
        var index = new StringBuilder("id\tcategory\texpected\tcase\n");
        foreach (var c in corpus.OrderBy(c => c.Id))
        {
            var path = Path.Combine(directory, $"{c.Id:D4}-{c.Category}.http");
            using var file = File.Create(path);
            file.Write(c.Request.Head("127.0.0.1:PORT"));
            if (c.Request.BodyLength <= 1 << 20 && !c.Request.Chunked)
                foreach (var segment in c.Request.Body)
                    for (long r = 0; r < segment.Repeat; r++) file.Write(segment.Bytes.Span);
            else
                file.Write(Encoding.ASCII.GetBytes($"[{c.Request.BodyLength:N0}-byte body{(c.Request.Chunked ? ", chunked" : "")}, not written]\n"));
            index.Append($"{c.Id}\t{c.Category}\t{string.Join("/", c.Expected)}\t{c.Case}\n");
        }
        File.WriteAllText(Path.Combine(directory, "index.tsv"), index.ToString());
        log.WriteLine($"Corpus written to {directory} ({corpus.Count} requests)");
    }
}
