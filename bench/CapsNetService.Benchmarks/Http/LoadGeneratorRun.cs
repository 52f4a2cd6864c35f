using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CapsNetService.Benchmarks.Measurement;
using CapsNetService.Tests;

namespace CapsNetService.Benchmarks.Http;

/// <summary>The service's gathered calls over a load window, from capsnet-loadtest's report (its GET /metrics readings).</summary>
/// <param name="Buckets">Share of calls by batch size range, as the tool describes it ("1: 12 %, 2: 20 %, 3–4: 68 %").</param>
public sealed record BatchSizes(long Calls, double Mean, string Buckets);

/// <summary>What one load run measured, from capsnet-loadtest's JSON report (its <c>load</c> section) and from /proc.</summary>
public sealed record LoadFigures(
    int Clients, double Seconds, int Requests, double RequestsPerSecond, double P50, double P95, double P99, double Max, double Mean,
    int Errors, IReadOnlyList<string> SampleErrors, double Accuracy, double? RssIdleMiB, double? RssEndMiB, double? PeakRssMiB,
    double ServiceCores, double LoadGeneratorCores, double OthersCores, bool WindowFromMarkers, BatchSizes? Batches);

/// <summary>What one open-loop run measured (capsnet-loadtest's <c>open</c> section): latency from each request's due moment.</summary>
public sealed record OpenLoopFigures(
    double Rate, int Scheduled, int Answered, double AnsweredPerSecond, double P50, double P99, double Max, int Errors, int Dropped,
    double SendLagP99, BatchSizes? Batches, double ServiceCores, double LoadGeneratorCores, double OthersCores);

/// <summary>
/// Drives the service with tools/CapsNetService.LoadTest as a second process: its <c>load</c> mode (real MNIST test
/// digits as 28×28 PNGs, POST /predict over keep-alive connections, N clients, a warm-up, then a measured window) or
/// its <c>open</c> mode (a fixed arrival rate); reuses it rather than writing another load generator. Around the
/// measured window (from the tool's "warm-up over" line to its result line) it reads the CPU used by the service, by
/// the load generator and by everything else.
/// </summary>
public static class LoadGeneratorRun
{
    private const string WindowStartMarker = "warm-up over";

    public static async Task<LoadFigures> RunAsync(string dotnet, string loadTestDll, ServiceProcess service, int clients, int durationSeconds,
                                                   int warmupSeconds, string? mnistDirectory, string? query, string reportPath, string logPath,
                                                   CancellationToken cancellationToken)
    {
        var (load, usage, fromMarkers, toolPid) = await RunToolAsync(dotnet, loadTestDll, service,
            ["load", "--clients", I(clients)], "Sustained load:", "load", durationSeconds, warmupSeconds, mnistDirectory, query,
            reportPath, logPath, cancellationToken);
        var latency = load.GetProperty("latency");
        static double? Mib(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() / (1024.0 * 1024.0) : null;
        return new LoadFigures(
            load.GetProperty("clients").GetInt32(), load.GetProperty("seconds").GetDouble(), load.GetProperty("requests").GetInt32(),
            load.GetProperty("requestsPerSecond").GetDouble(), latency.GetProperty("p50").GetDouble(), latency.GetProperty("p95").GetDouble(),
            latency.GetProperty("p99").GetDouble(), latency.GetProperty("max").GetDouble(), latency.GetProperty("mean").GetDouble(),
            load.GetProperty("errors").GetInt32(), load.GetProperty("sampleErrors").EnumerateArray().Select(e => e.GetString() ?? "").ToList(),
            load.GetProperty("accuracy").GetDouble(), Mib(load, "rssIdle"), Mib(load, "rssEnd"), Mib(load, "peakRss"),
            usage?.ProcessCores.GetValueOrDefault(service.Pid) ?? double.NaN, usage?.ProcessCores.GetValueOrDefault(toolPid) ?? double.NaN,
            usage?.OthersCores ?? double.NaN, fromMarkers, ReadBatchSizes(load));
    }

    public static async Task<OpenLoopFigures> RunOpenAsync(string dotnet, string loadTestDll, ServiceProcess service, double rate, int durationSeconds,
                                                           int warmupSeconds, string? mnistDirectory, string? query, string reportPath, string logPath,
                                                           CancellationToken cancellationToken)
    {
        var (open, usage, _, toolPid) = await RunToolAsync(dotnet, loadTestDll, service,
            ["open", "--rate", rate.ToString("F2", CultureInfo.InvariantCulture)], "Open loop: ", "open", durationSeconds, warmupSeconds,
            mnistDirectory, query, reportPath, logPath, cancellationToken);
        var latency = open.GetProperty("latency");
        return new OpenLoopFigures(
            open.GetProperty("rate").GetDouble(), open.GetProperty("scheduled").GetInt32(), open.GetProperty("answered").GetInt32(),
            open.GetProperty("requestsPerSecond").GetDouble(), latency.GetProperty("p50").GetDouble(), latency.GetProperty("p99").GetDouble(),
            latency.GetProperty("max").GetDouble(), open.GetProperty("errors").GetInt32(), open.GetProperty("dropped").GetInt32(),
            open.GetProperty("sendLag").GetProperty("p99").GetDouble(), ReadBatchSizes(open),
            usage?.ProcessCores.GetValueOrDefault(service.Pid) ?? double.NaN, usage?.ProcessCores.GetValueOrDefault(toolPid) ?? double.NaN,
            usage?.OthersCores ?? double.NaN);
    }

    private static BatchSizes? ReadBatchSizes(JsonElement section)
    {
        if (!section.TryGetProperty("batchSizes", out var batches) || batches.ValueKind != JsonValueKind.Object) return null;
        long calls = batches.GetProperty("calls").GetInt64();
        double images = batches.GetProperty("images").GetDouble();
        var shares = new List<string>();
        double lower = 0;
        foreach (var bucket in batches.GetProperty("buckets").EnumerateArray())
        {
            var upToElement = bucket.GetProperty("upTo");
            double upTo = upToElement.ValueKind == JsonValueKind.Number ? upToElement.GetDouble() : double.PositiveInfinity;
            long inBucket = bucket.GetProperty("calls").GetInt64();
            if (inBucket > 0 && calls > 0)
            {
                string range = double.IsPositiveInfinity(upTo) ? $">{lower:0}" : lower + 1 >= upTo ? $"{upTo:0}" : $"{lower + 1:0}–{upTo:0}";
                shares.Add(string.Create(CultureInfo.InvariantCulture, $"{range}: {100.0 * inBucket / calls:F0} %"));
            }
            lower = upTo;
        }
        return new BatchSizes(calls, calls > 0 ? images / calls : double.NaN, string.Join(", ", shares));
    }

    private static async Task<(JsonElement Section, ProcessGroupCpu.Usage? Usage, bool FromMarkers, int ToolPid)> RunToolAsync(
        string dotnet, string loadTestDll, ServiceProcess service, string[] mode, string windowEndMarker, string section, int durationSeconds,
        int warmupSeconds, string? mnistDirectory, string? query, string reportPath, string logPath, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] arguments =
        [
            loadTestDll, .. mode, "--url", service.Url.ToString().TrimEnd('/'), "--pid", I(service.Pid),
            "--duration", I(durationSeconds), "--warmup", I(warmupSeconds), "--report", reportPath,
            .. mnistDirectory is null ? Array.Empty<string>() : ["--mnist-dir", mnistDirectory],
            .. string.IsNullOrEmpty(query) ? Array.Empty<string>() : ["--query", query],
        ];
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        await using var log = new StreamWriter(logPath) { AutoFlush = true };
        await log.WriteLineAsync($"$ {dotnet} {string.Join(' ', arguments)}");

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start capsnet-loadtest");
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        ProcessGroupCpu.Snapshot? first = ProcessGroupCpu.Read(service.Pid, process.Id), windowStart = null, windowEnd = null;
        while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            if (windowStart is null && line.Contains(WindowStartMarker, StringComparison.Ordinal)) windowStart = ProcessGroupCpu.Read(service.Pid, process.Id);
            else if (windowStart is not null && windowEnd is null && line.StartsWith(windowEndMarker, StringComparison.Ordinal))
                windowEnd = ProcessGroupCpu.Read(service.Pid, process.Id);
            await log.WriteLineAsync(line);
        }
        var last = ProcessGroupCpu.Read(service.Pid, process.Id);
        await process.WaitForExitAsync(cancellationToken);
        await log.WriteLineAsync(await stderr);
        // Exit code 1 means a check failed (errors): still figures to report. 2: no service, bad arguments.
        if (process.ExitCode is not (0 or 1) || !File.Exists(reportPath))
            throw new InvalidOperationException($"capsnet-loadtest failed with exit code {process.ExitCode}; see {logPath}");

        bool fromMarkers = windowStart is not null && windowEnd is not null;
        var usage = fromMarkers ? ProcessGroupCpu.Between(windowStart!, windowEnd!)
                  : first is not null && last is not null ? ProcessGroupCpu.Between(first, last) : null;
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(reportPath, cancellationToken));
        return (report.RootElement.GetProperty(section).Clone(), usage, fromMarkers, process.Id);
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
