using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace CapsNetService.Tests;

/// <summary>
/// The built service (capsnet-api.dll) as a process of its own. <see cref="Start"/>: on a free loopback port, its
/// console output written to a log file, stopped with SIGTERM (then killed if it does not stop within 10 s); the HTTP
/// benchmark measures it so. <see cref="RunToExit"/>: until it exits, for what happens before it serves: a start-up
/// that must fail: its exit code and stderr line are what operators see. (In memory this cannot be asserted: Program
/// turns the error into exit code 2, so WebApplicationFactory sees an entry point that returned; before that, it raced
/// the failing host's disposal and could throw ObjectDisposedException instead of the error.)
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    /// <summary>Runs the service (capsnet-api.dll beside the caller) with these arguments until it exits (or the
    /// timeout kills it).</summary>
    public static (int ExitCode, string Output) RunToExit(TimeSpan timeout, params string[] arguments)
    {
        // Port 0: should the start-up wrongly succeed, it binds nothing another test could need.
        var run = ProgramRun.Start("capsnet-api.dll", ["--urls", "http://127.0.0.1:0", .. arguments], timeout);
        return (run.ExitCode, run.Output);
    }

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly HttpClient _http;

    private ServiceProcess(Process process, Uri url, StreamWriter log)
    {
        _process = process;
        Url = url;
        _log = log;
        _http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Url { get; }
    public int Pid => _process.Id;

    /// <param name="settings">Configuration keys and values, passed as <c>--Key=Value</c> (after the defaults, so they win).</param>
    /// <param name="workingDirectory">Where it is started from; by default the dll's folder, as a deployment does.</param>
    /// <param name="ownLogLevels">Log as its appsettings.json says, rather than Warning and above only.</param>
    public static ServiceProcess Start(string dotnet, string serviceDll, string modelDirectory, IEnumerable<KeyValuePair<string, string>> settings,
                                       string logPath, string? workingDirectory = null, bool ownLogLevels = false)
    {
        int port = FreeLoopbackPort();
        var url = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(serviceDll)!,
        };
        string[] arguments =
        [
            serviceDll, "--urls", url.ToString().TrimEnd('/'), "--provider", "cpu", "--model-dir", modelDirectory,
            "--RateLimiting:Enabled=false", .. ownLogLevels ? Array.Empty<string>() : ["--Logging:LogLevel:Default=Warning"],
            .. settings.Select(s => $"--{s.Key}={s.Value}"),
        ];
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        var log = new StreamWriter(logPath) { AutoFlush = true };
        log.WriteLine($"$ {dotnet} {string.Join(' ', arguments)}");
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the service");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceProcess(process, url, log);
    }

    /// <summary>Waits until GET /health/ready answers 200 (the model is loaded and checked).</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"the service exited with code {_process.ExitCode} before it was ready (see its log)");
            try
            {
                using var response = await _http.GetAsync("/health/ready", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200, cancellationToken);
        }
        throw new TimeoutException($"the service at {Url} was not ready within {timeout.TotalSeconds:F0} s (see its log)");
    }

    /// <summary>GET /metrics, as text.</summary>
    public Task<string> MetricsAsync(CancellationToken cancellationToken) => _http.GetStringAsync("/metrics", cancellationToken);

    /// <summary>The file name of the classifier graph the MNIST model runs (GET /model: the int8 graph when that is what
    /// runs, else the float32 one).</summary>
    public async Task<string> ServedClassifierAsync(CancellationToken cancellationToken)
    {
        using var model = JsonDocument.Parse(await _http.GetStringAsync("/model", cancellationToken));
        var files = model.RootElement.GetProperty("files");
        return (files.TryGetProperty("int8Classifier", out var int8) && int8.ValueKind == JsonValueKind.Object ? int8 : files.GetProperty("classifier"))
            .GetProperty("name").GetString()!;
    }

    /// <summary>The value of one sample in the Prometheus text (exact name with labels); 0 when absent.</summary>
    public static double MetricValue(string metrics, string sample)
    {
        foreach (var line in metrics.Split('\n'))
            if (line.StartsWith(sample + " ", StringComparison.Ordinal))
                return double.Parse(line[(sample.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, 15);   // SIGTERM: the host stops gracefully
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        _http.Dispose();
        _process.Dispose();
        lock (_log) _log.Dispose();
    }

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
