using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CapsNetService.Benchmarks.Measurement;
using CapsNetService.Tests;

namespace CapsNetService.Benchmarks.Http;

/// <summary>What one load run measured, from capsnet-loadtest's JSON report (its <c>load</c> section) and from /proc.</summary>
public sealed record LoadFigures(
    int Clients, double Seconds, int Requests, double RequestsPerSecond, double P50, double P95, double P99, double Max, double Mean,
    int Errors, IReadOnlyList<string> SampleErrors, double Accuracy, double? RssIdleMiB, double? RssEndMiB, double? PeakRssMiB,
    double ServiceCores, double LoadGeneratorCores, double OthersCores, bool WindowFromMarkers);

/// <summary>
/// Drives the service with tools/CapsNetService.LoadTest's <c>load</c> mode (real MNIST test digits as 28×28 PNGs,
/// POST /predict over keep-alive connections, N clients, a warm-up, then a measured window) as a second process;
/// reuses it rather than writing another load generator. Around the measured window (from the tool's "warm-up over"
/// line to its result line) it reads the CPU used by the service, by the load generator and by everything else.
/// </summary>
public static class LoadGeneratorRun
{
    private const string WindowStartMarker = "warm-up over";
    private const string WindowEndMarker = "Sustained load:";

    public static async Task<LoadFigures> RunAsync(string dotnet, string loadTestDll, ServiceProcess service, int clients, int durationSeconds,
                                                   int warmupSeconds, string? mnistDirectory, string reportPath, string logPath,
                                                   CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] arguments =
        [
            loadTestDll, "load", "--url", service.Url.ToString().TrimEnd('/'), "--pid", service.Pid.ToString(CultureInfo.InvariantCulture),
            "--clients", clients.ToString(CultureInfo.InvariantCulture), "--duration", durationSeconds.ToString(CultureInfo.InvariantCulture),
            "--warmup", warmupSeconds.ToString(CultureInfo.InvariantCulture), "--report", reportPath,
            .. mnistDirectory is null ? Array.Empty<string>() : ["--mnist-dir", mnistDirectory],
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
            else if (windowStart is not null && windowEnd is null && line.StartsWith(WindowEndMarker, StringComparison.Ordinal))
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
        var load = report.RootElement.GetProperty("load");
        var latency = load.GetProperty("latency");
        static double? Mib(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() / (1024.0 * 1024.0) : null;
        return new LoadFigures(
            load.GetProperty("clients").GetInt32(), load.GetProperty("seconds").GetDouble(), load.GetProperty("requests").GetInt32(),
            load.GetProperty("requestsPerSecond").GetDouble(), latency.GetProperty("p50").GetDouble(), latency.GetProperty("p95").GetDouble(),
            latency.GetProperty("p99").GetDouble(), latency.GetProperty("max").GetDouble(), latency.GetProperty("mean").GetDouble(),
            load.GetProperty("errors").GetInt32(), load.GetProperty("sampleErrors").EnumerateArray().Select(e => e.GetString() ?? "").ToList(),
            load.GetProperty("accuracy").GetDouble(), Mib(load, "rssIdle"), Mib(load, "rssEnd"), Mib(load, "peakRss"),
            usage?.ProcessCores.GetValueOrDefault(service.Pid) ?? double.NaN, usage?.ProcessCores.GetValueOrDefault(process.Id) ?? double.NaN,
            usage?.OthersCores ?? double.NaN, fromMarkers);
    }
}
