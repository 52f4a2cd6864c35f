using System.CommandLine;
using System.Globalization;
using CapsNetService.Benchmarks.Inference;
using CapsNetService.Benchmarks.Measurement;
using CapsNetService.Common;
using CapsNetService.Tests;

namespace CapsNetService.Benchmarks.Http;

/// <summary>
/// <c>http</c>: POST /predict of the built service under load from a second process, for several service
/// configurations ("variants": micro-batching off, on, ...) and client counts, all in one run; the first variant is
/// the baseline of the ratios. Each (variant, clients) gets a fresh service process on a free loopback port
/// (<c>--provider cpu</c>), driven by capsnet-loadtest's load mode. Reports requests/s, latency percentiles, errors,
/// the mean images per ONNX Runtime call (from the service's own batch size histogram), the CPU taken by the service,
/// the load generator and everything else during the measured window, and the service's RSS at idle and under load.
/// After each run, with the service stopped, it times ONNX Runtime alone in this process on the same model at the batch
/// sizes around the mean batch the micro-batcher formed in the window, on the classifier graph the service ran (float32 or
/// int8, as its /model says), and prints the serving efficiency (requests/s ÷ those raw images/s). Then, for one variant, the latency under a steady arrival rate: one client alone (the
/// single-request latency), and capsnet-loadtest's open loop at fractions of the capacity measured above.
/// </summary>
public static class HttpBenchmarkCommand
{
    private static readonly Option<string?> ServiceDll = new("--service-dll") { Description = "the built service (default: the repository's src/Inference.Api/bin/Release/net10.0/capsnet-api.dll)" };
    private static readonly Option<string?> LoadTestDll = new("--loadtest-dll") { Description = "the built load generator (default: tools/CapsNetService.LoadTest/bin/Release/net10.0/capsnet-loadtest.dll)" };
    private static readonly Option<string?> ModelDir = new("--model-dir") { Description = "the models folder the service serves (default: the repository's models/)" };
    private static readonly Option<string?> MnistDir = new("--mnist-dir") { Description = "MNIST test files for the load generator (default: its own search: CAPSNET_MNIST_DIR, ../shared/mnist, data/mnist)" };
    private static readonly Option<int[]> Clients = new("--clients") { Description = "concurrent clients (several allowed)", DefaultValueFactory = _ => [16, 64], AllowMultipleArgumentsPerToken = true };
    private static readonly Option<int> Duration = new("--duration") { Description = "measured seconds per run", DefaultValueFactory = _ => 15 };
    private static readonly Option<int> Warmup = new("--warmup") { Description = "seconds of load before the measured window", DefaultValueFactory = _ => 3 };
    private static readonly Option<string[]> Variants = new("--variant")
    {
        Description = "service configurations as name:Key=Value,Key=Value (the first is the baseline)",
        DefaultValueFactory = _ => ["unbatched:Inference:Batching:Enabled=false", "batched:Inference:Batching:Enabled=true",
                                    "batched-0ms:Inference:Batching:Enabled=true,Inference:Batching:MaxDelayMilliseconds=0"],
        AllowMultipleArgumentsPerToken = true,
    };
    private static readonly Option<int> Rounds = new("--rounds") { Description = "times through the variants; even rounds go in reverse order (drift shows, and cancels in the mean)", DefaultValueFactory = _ => 1 };
    private static readonly Option<double> MaxOthers = new("--max-others-cores") { Description = "a run during whose window other processes used more CPU than this (in cores) is taken again", DefaultValueFactory = _ => 0.3 };
    private static readonly Option<int> MaxRetakes = new("--max-retakes") { Description = "at most this many retaken runs in all", DefaultValueFactory = _ => 3 };
    private static readonly Option<string> OpenVariant = new("--open-variant") { Description = "the variant whose open-loop latency is measured at --open-loads of its capacity (none: skip)", DefaultValueFactory = _ => "batched" };
    private static readonly Option<double[]> OpenLoads = new("--open-loads") { Description = "arrival rates for the open loop, as fractions of the capacity (requests/s at --capacity-clients)", DefaultValueFactory = _ => [0.5, 0.8], AllowMultipleArgumentsPerToken = true };
    private static readonly Option<int> CapacityClients = new("--capacity-clients") { Description = "the closed-loop client count (one of --clients) whose requests/s is the capacity", DefaultValueFactory = _ => 16 };
    private static readonly Option<double> RawSeconds = new("--raw-seconds") { Description = "seconds of raw ONNX Runtime calls per batch size for the efficiency ratio (0: skip)", DefaultValueFactory = _ => 3 };
    private static readonly Option<string> WorkDir = new("--work-dir") { Description = "where the service and load generator logs and reports go", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "capsnet-http-bench") };
    private static readonly Option<string?> Out = new("--out") { Description = "also write the Markdown results to this file" };

    public static Command Create()
    {
        var command = new Command("http", "POST /predict under load from a second process (capsnet-loadtest), service variants compared in one run")
        {
            ServiceDll, LoadTestDll, ModelDir, MnistDir, Clients, Duration, Warmup, Variants, Rounds, MaxOthers, MaxRetakes,
            OpenVariant, OpenLoads, CapacityClients, RawSeconds, WorkDir, Out,
        };
        command.SetAction(RunAsync);
        return command;
    }

    /// <summary>A service configuration; the pseudo-setting <c>Query=...</c> is not the service's but what the load
    /// generator appends to /predict (e.g. <c>Query=images=false</c>).</summary>
    private sealed record Variant(string Name, IReadOnlyList<KeyValuePair<string, string>> Settings)
    {
        public const string QueryKey = "Query";

        public string? Query => Settings.FirstOrDefault(s => s.Key == QueryKey).Value;

        public IEnumerable<KeyValuePair<string, string>> ServiceSettings => Settings.Where(s => s.Key != QueryKey);

        public static Variant Parse(string text)
        {
            int colon = text.IndexOf(':');
            if (colon <= 0) throw new ArgumentException($"--variant '{text}' is not name:Key=Value,...");
            var settings = text[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(pair =>
            {
                int equals = pair.IndexOf('=');
                if (equals <= 0) throw new ArgumentException($"--variant '{text}': '{pair}' is not Key=Value");
                return KeyValuePair.Create(pair[..equals], pair[(equals + 1)..]);
            }).ToList();
            return new Variant(text[..colon], settings);
        }

        public string Describe() => Settings.Count == 0 ? "(defaults)" : string.Join(", ", Settings.Select(s => $"{s.Key}={s.Value}"));
    }

    private sealed record Run(Variant Variant, int Round, LoadFigures Figures, double? IdleRssMiB, double? RssAfterMiB, double? HighWaterMiB,
                              double ImagesPerCall, double OrtCalls, int Retaken, string ServedGraph)
    {
        /// <summary>Mean milliseconds per POST /predict of each step (capsnet_predict_stage_seconds sum ÷ count, whole run).</summary>
        public IReadOnlyDictionary<string, double> Stages { get; init; } = new Dictionary<string, double>();

        /// <summary>Raw ONNX Runtime images/s at the window's mean batch, timed in this process after the run.</summary>
        public double RawImagesPerSecond { get; init; } = double.NaN;

        public double Efficiency => ThroughputRatio.Efficiency(Figures.RequestsPerSecond, RawImagesPerSecond);

        /// <summary>Cores the raw calls kept busy (this process, /proc), beside <see cref="LoadFigures.ServiceCores"/>.</summary>
        public double RawCores { get; init; } = double.NaN;

        public double EfficiencyPerCore => ThroughputRatio.EfficiencyPerCore(Figures.RequestsPerSecond, Figures.ServiceCores, RawImagesPerSecond, RawCores);
    }

    private sealed record OpenRun(double Fraction, OpenLoopFigures Figures);

    /// <summary>The steps of POST /predict the service times (its capsnet_predict_stage_seconds labels).</summary>
    private static readonly string[] StageNames = ["read", "preprocess", "queue", "inference", "respond", "write"];

    private static async Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        string serviceDll = Path.GetFullPath(result.GetValue(ServiceDll) ?? RepositoryRoot.Path("src", "Inference.Api", "bin", "Release", "net10.0", "capsnet-api.dll"));
        string loadTestDll = Path.GetFullPath(result.GetValue(LoadTestDll) ?? RepositoryRoot.Path("tools", "CapsNetService.LoadTest", "bin", "Release", "net10.0", "capsnet-loadtest.dll"));
        string modelDir = Path.GetFullPath(result.GetValue(ModelDir) ?? RepositoryRoot.Path("models"));
        string? mnistDir = result.GetValue(MnistDir) is { } m ? Path.GetFullPath(m) : null;
        foreach (var file in new[] { serviceDll, loadTestDll })
            if (!File.Exists(file)) throw new FileNotFoundException($"{file} is missing: build it first (dotnet build -c Release ...)", file);
        var clients = result.GetValue(Clients)!;
        int duration = result.GetValue(Duration), warmup = result.GetValue(Warmup), rounds = result.GetValue(Rounds), maxRetakes = result.GetValue(MaxRetakes);
        double maxOthers = result.GetValue(MaxOthers);
        if (clients.Length == 0 || clients.Any(c => c < 1) || duration < 1 || warmup < 0 || rounds < 1)
            throw new ArgumentException("--clients, --duration and --rounds must be positive, --warmup not negative");
        var variants = result.GetValue(Variants)!.Select(Variant.Parse).ToList();
        string workDir = Path.GetFullPath(result.GetValue(WorkDir)!);
        Directory.CreateDirectory(workDir);
        string dotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet" ? Environment.ProcessPath! : "dotnet";

        var report = new BenchmarkReport();
        void Emit(string text) => report.Emit(text);
        static void Log(string text) => BenchmarkReport.Log(text);

        // The service does not run TorchSharp: its rows would only describe the benchmark process.
        report.EmitMachine(keep: key => !key.StartsWith("torch", StringComparison.Ordinal) && key is not ("TorchSharp" or "libtorch"));
        Emit($"Service: `{serviceDll}` (built {File.GetLastWriteTimeUtc(serviceDll):yyyy-MM-dd HH:mm} UTC), models `{modelDir}`; "
             + $"load generator: `{loadTestDll}` (built {File.GetLastWriteTimeUtc(loadTestDll):yyyy-MM-dd HH:mm} UTC).\n");

        double rawSeconds = result.GetValue(RawSeconds);
        string ortMnist = mnistDir ?? Environment.GetEnvironmentVariable("CAPSNET_MNIST_DIR") ?? RepositoryRoot.Path("data", "mnist");
        // One per classifier graph the service ran (capsnet.onnx, or capsnet.int8.onnx where Inference:Precision chose it).
        var raw = new Dictionary<string, OrtThroughput>();
        var runs = new List<Run>();
        int retaken = 0, sequence = 0;
        for (int round = 1; round <= rounds; round++)
        {
            var order = round % 2 == 1 ? variants : Enumerable.Reverse(variants).ToList();
            foreach (int clientCount in clients)
                foreach (var variant in order)
                {
                    while (true)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        sequence++;
                        double quiet = BlockTimer.WaitForQuiet(0.15, 15);
                        if (quiet > 0.5) Log($"   waited {quiet:F1} s for other processes to go quiet");
                        string stem = Path.Combine(workDir, $"{sequence:D2}-{variant.Name}-c{clientCount}");
                        Log($"== round {round}, {variant.Name} ({variant.Describe()}), {clientCount} clients");
                        var run = await RunOnceAsync(dotnet, serviceDll, loadTestDll, modelDir, mnistDir, variant, round, clientCount, duration, warmup, stem, cancellationToken);
                        var f = run.Figures;
                        Log($"   {f.RequestsPerSecond:F1} req/s, p50 {f.P50:F1} ms, p99 {f.P99:F1} ms, {f.Errors} errors, {run.ImagesPerCall:F2} images/call, "
                            + $"service {f.ServiceCores:F2} cores, load generator {f.LoadGeneratorCores:F2}, others {f.OthersCores:F2}; "
                            + $"RSS idle {run.IdleRssMiB:F0} MiB, under load {f.RssEndMiB:F0} MiB");
                        if (f.OthersCores > maxOthers && retaken < maxRetakes)
                        {
                            retaken++;
                            Log($"   other processes used {f.OthersCores:F2} cores during the window: taken again");
                            continue;
                        }
                        if (rawSeconds > 0 && run.Figures.Batches is { Calls: > 0 } batches)
                        {
                            // The service has stopped: ONNX Runtime alone, on the same cores, at the batch sizes it formed.
                            if (!raw.TryGetValue(run.ServedGraph, out var graph))
                                raw[run.ServedGraph] = graph = new OrtThroughput(Path.Combine(modelDir, run.ServedGraph), ortMnist, rawSeconds, maxOthers, Log);
                            run = run with { RawImagesPerSecond = graph.ImagesPerSecondAt(batches.Mean), RawCores = graph.CoresBusyAt(batches.Mean) };
                            Log($"   efficiency: {f.RequestsPerSecond:F1} req/s ÷ {run.RawImagesPerSecond:F1} raw images/s of {run.ServedGraph} at batch {batches.Mean:F2} = {run.Efficiency:P0}; "
                                + $"per core-second {run.EfficiencyPerCore:P0} (service {f.ServiceCores:F2} cores, raw {run.RawCores:F2})");
                        }
                        runs.Add(run with { Retaken = retaken });
                        break;
                    }
                }
        }

        foreach (var graph in raw.Values) graph.Dispose();
        EmitTables(Emit, runs, variants, clients, maxOthers, duration, warmup, retaken);

        string openName = result.GetValue(OpenVariant)!;
        int capacityClients = result.GetValue(CapacityClients);
        if (openName != "none")
        {
            var variant = variants.FirstOrDefault(v => v.Name == openName)
                ?? throw new ArgumentException($"--open-variant '{openName}' is not one of the variants ({string.Join(", ", variants.Select(v => v.Name))})");
            var capacityRuns = runs.Where(r => r.Variant.Name == openName && r.Figures.Clients == capacityClients).ToList();
            if (capacityRuns.Count == 0) throw new ArgumentException($"--capacity-clients {capacityClients} is not one of --clients");
            double capacity = capacityRuns.Average(r => r.Figures.RequestsPerSecond);

            sequence++;
            Log($"== {openName}, 1 client (single-request latency)");
            var single = await RunOnceAsync(dotnet, serviceDll, loadTestDll, modelDir, mnistDir, variant, 1, 1, duration, warmup,
                                            Path.Combine(workDir, $"{sequence:D2}-{openName}-c1"), cancellationToken);
            Log($"   p50 {single.Figures.P50:F1} ms, p99 {single.Figures.P99:F1} ms, {single.Figures.RequestsPerSecond:F1} req/s");
            var openRuns = new List<OpenRun>();
            foreach (var (fraction, rate) in result.GetValue(OpenLoads)!.Zip(ThroughputRatio.Rates(capacity, result.GetValue(OpenLoads)!)))
            {
                sequence++;
                BlockTimer.WaitForQuiet(0.15, 15);
                Log($"== {openName}, open loop at {fraction:P0} of {capacity:F1} req/s = {rate:F1} req/s");
                string stem = Path.Combine(workDir, $"{sequence:D2}-{openName}-open{fraction * 100:F0}");
                await using var service = ServiceProcess.Start(dotnet, serviceDll, modelDir, variant.ServiceSettings, stem + ".service.log");
                await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), cancellationToken);
                await Task.Delay(1000, cancellationToken);
                var figures = await LoadGeneratorRun.RunOpenAsync(dotnet, loadTestDll, service, rate, duration, warmup, mnistDir, variant.Query,
                                                                  stem + ".report.json", stem + ".loadtest.log", cancellationToken);
                Log($"   p50 {figures.P50:F1} ms, p99 {figures.P99:F1} ms, {figures.AnsweredPerSecond:F1}/s answered, {figures.Errors} errors, "
                    + $"{figures.Dropped} dropped, batches {figures.Batches?.Buckets}");
                openRuns.Add(new OpenRun(fraction, figures));
            }
            EmitOpenLoop(Emit, variant, capacityClients, capacity, single.Figures, openRuns, duration, warmup);
        }
        await report.SaveAsync(result.GetValue(Out), cancellationToken);
        return 0;
    }

    private static async Task<Run> RunOnceAsync(string dotnet, string serviceDll, string loadTestDll, string modelDir, string? mnistDir, Variant variant,
                                                int round, int clients, int duration, int warmup, string stem, CancellationToken cancellationToken)
    {
        await using var service = ServiceProcess.Start(dotnet, serviceDll, modelDir, variant.ServiceSettings, stem + ".service.log");
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), cancellationToken);
        await Task.Delay(1000, cancellationToken);   // let start-up settle (JIT, the model's smoke test)
        double? idle = ProcessMemory.ResidentMiB(service.Pid);
        string servedGraph = await service.ServedClassifierAsync(cancellationToken);
        var figures = await LoadGeneratorRun.RunAsync(dotnet, loadTestDll, service, clients, duration, warmup, mnistDir, variant.Query,
                                                      stem + ".report.json", stem + ".loadtest.log", cancellationToken);
        var metrics = await service.MetricsAsync(cancellationToken);
        double calls = ServiceProcess.MetricValue(metrics, "capsnet_inference_batch_size_count");
        double images = ServiceProcess.MetricValue(metrics, "capsnet_inference_batch_size_sum");
        await Task.Delay(2000, cancellationToken);
        double? after = ProcessMemory.ResidentMiB(service.Pid);
        double? highWater = ProcessMemory.PeakResidentMiB(service.Pid);
        var stages = StageNames.ToDictionary(stage => stage, stage =>
        {
            double count = ServiceProcess.MetricValue(metrics, $"capsnet_predict_stage_seconds_count{{stage=\"{stage}\"}}");
            return count > 0 ? 1000 * ServiceProcess.MetricValue(metrics, $"capsnet_predict_stage_seconds_sum{{stage=\"{stage}\"}}") / count : double.NaN;
        });
        return new Run(variant, round, figures, idle, after, highWater, calls > 0 ? images / calls : double.NaN, calls, 0, servedGraph) { Stages = stages };
    }

    private static void EmitTables(Action<string> Emit, List<Run> runs, List<Variant> variants, int[] clients, double maxOthers,
                                   int duration, int warmup, int retaken)
    {
        Emit("## Variants\n");
        var described = new MarkdownTable("variant", "service settings (besides --provider cpu, rate limiting off, log level Warning)");
        foreach (var variant in variants) described.Add(variant.Name, variant.Describe());
        Emit(described.ToString());

        var baseline = variants[0].Name;
        Emit($"## POST /predict under load ({duration} s measured after {warmup} s of warm-up per run; a fresh service per run)\n");
        Emit($"Latency is the client's (capsnet-loadtest: request sent → answer read, nearest-rank percentiles). vs {baseline} = this "
             + $"requests/s ÷ {baseline}'s at the same clients in the same round. Images per ORT call = capsnet_inference_batch_size "
             + "sum ÷ count over the whole run (warm-up included). Cores = CPU time ÷ window, from /proc: service, load generator "
             + $"(both on the same 2 cores), and all other processes; a run with others above {maxOthers} cores was taken again "
             + $"({retaken} retaken in this run).\n");
        var table = new MarkdownTable("variant", "round", "clients", "requests/s", $"vs {baseline}", "mean ms", "p50 ms", "p95 ms", "p99 ms", "max ms",
                                      "errors", "digits right", "images per ORT call", "service cores", "load generator cores", "others");
        foreach (var run in runs.OrderBy(r => r.Figures.Clients).ThenBy(r => r.Round).ThenBy(r => variants.FindIndex(v => v.Name == r.Variant.Name)))
        {
            var f = run.Figures;
            var reference = runs.FirstOrDefault(r => r.Variant.Name == baseline && r.Round == run.Round && r.Figures.Clients == f.Clients);
            table.Add(run.Variant.Name, I(run.Round), I(f.Clients), F1(f.RequestsPerSecond),
                      reference is null ? "–" : $"{f.RequestsPerSecond / reference.Figures.RequestsPerSecond:F2}×",
                      F1(f.Mean), F1(f.P50), F1(f.P95), F1(f.P99), F1(f.Max), I(f.Errors), $"{f.Accuracy:P2}", F2(run.ImagesPerCall),
                      F2(f.ServiceCores), F2(f.LoadGeneratorCores), F2(f.OthersCores) + (f.WindowFromMarkers ? "" : " (whole run)"));
        }
        Emit(table.ToString());

        if (runs.Count > 0 && runs.Select(r => r.Round).Distinct().Count() > 1)
        {
            Emit("Means over the rounds:\n");
            var means = new MarkdownTable("variant", "clients", "requests/s (mean)", $"vs {baseline}", "p50 ms (mean)", "p99 ms (mean)", "errors (sum)");
            foreach (int clientCount in clients)
            {
                double baseRate = runs.Where(r => r.Variant.Name == baseline && r.Figures.Clients == clientCount).Select(r => r.Figures.RequestsPerSecond).DefaultIfEmpty(double.NaN).Average();
                foreach (var variant in variants)
                {
                    var mine = runs.Where(r => r.Variant.Name == variant.Name && r.Figures.Clients == clientCount).ToList();
                    if (mine.Count == 0) continue;
                    double rate = mine.Average(r => r.Figures.RequestsPerSecond);
                    means.Add(variant.Name, I(clientCount), F1(rate), $"{rate / baseRate:F2}×", F1(mine.Average(r => r.Figures.P50)),
                              F1(mine.Average(r => r.Figures.P99)), I(mine.Sum(r => r.Figures.Errors)));
                }
            }
            Emit(means.ToString());
        }

        Emit("## Service memory (MiB, /proc/PID/status of the service process)\n");
        Emit("Idle = VmRSS 1 s after /health/ready, before any request; end of window = VmRSS at the end of the measured window "
             + "(capsnet-loadtest's reading); peak = the highest VmRSS it sampled (every 250 ms); after = VmRSS 2 s after the load stopped; "
             + "VmHWM = the kernel's peak since start.\n");
        var memory = new MarkdownTable("variant", "round", "clients", "idle", "end of window", "peak sampled", "after", "VmHWM");
        foreach (var run in runs.OrderBy(r => r.Figures.Clients).ThenBy(r => r.Round))
            memory.Add(run.Variant.Name, I(run.Round), I(run.Figures.Clients), F0(run.IdleRssMiB), F0(run.Figures.RssEndMiB), F0(run.Figures.PeakRssMiB),
                       F0(run.RssAfterMiB), F0(run.HighWaterMiB));
        Emit(memory.ToString());

        foreach (var run in runs.Where(r => r.Figures.SampleErrors.Count > 0))
            Emit($"Errors of {run.Variant.Name} at {run.Figures.Clients} clients (first few): {string.Join(" | ", run.Figures.SampleErrors)}\n");

        Emit("## Where a request's time goes (the service's capsnet_predict_stage_seconds, mean ms per request, whole run)\n");
        Emit("read = the multipart form; preprocess = decode + 28×28 preprocessing; queue = waiting in the micro-batcher (until "
             + "its call's answer, less the call); inference = the ORT call the image ran in (shared by the call's images); "
             + "respond = building the answer (PNG encodings, copies); write = JSON serialisation and sending. Wall time, so "
             + "on a busy CPU every step includes waiting for a core.\n");
        var stagesTable = new MarkdownTable(["variant", "round", "clients", .. StageNames, "sum"]);
        foreach (var run in runs.OrderBy(r => r.Figures.Clients).ThenBy(r => r.Round))
            stagesTable.Add([run.Variant.Name, I(run.Round), I(run.Figures.Clients), .. StageNames.Select(n => F2(run.Stages.GetValueOrDefault(n, double.NaN))),
                             F2(StageNames.Sum(n => run.Stages.GetValueOrDefault(n, double.NaN)))]);
        Emit(stagesTable.ToString());

        Emit("## Serving efficiency: the service against ONNX Runtime alone\n");
        Emit("Batch sizes = the service's capsnet_inference_batch_size histogram over the measured window (GET /metrics before and "
             + "after it): mean images per ORT call and the share of calls by size. Raw ORT = the classifier graph the service ran "
             + "(its /model: float32 or int8) in the harness process after the run (service stopped), the service's session "
             + "settings and per-call copies, real MNIST digits, "
             + "images/s at the whole batch sizes around the mean, interpolated linearly. Efficiency = service requests/s ÷ raw images/s; "
             + "per core-second = the same with each side divided by the cores it used (service: its process over the window; raw: "
             + "this process during the calls), which is the fairer figure when other processes take part of the CPU.\n");
        var efficiency = new MarkdownTable("variant", "round", "clients", "graph served", "requests/s", "mean batch (window)", "batch sizes (share of calls)",
                                           "raw ORT images/s at that batch", "efficiency", "service cores", "raw ORT cores", "efficiency per core-second");
        foreach (var run in runs.OrderBy(r => r.Figures.Clients).ThenBy(r => r.Round))
            efficiency.Add(run.Variant.Name, I(run.Round), I(run.Figures.Clients), run.ServedGraph, F1(run.Figures.RequestsPerSecond),
                           F2(run.Figures.Batches?.Mean ?? double.NaN), run.Figures.Batches?.Buckets ?? "–", F1(run.RawImagesPerSecond),
                           double.IsNaN(run.Efficiency) ? "–" : $"{run.Efficiency:P0}", F2(run.Figures.ServiceCores), F2(run.RawCores),
                           double.IsNaN(run.EfficiencyPerCore) ? "–" : $"{run.EfficiencyPerCore:P0}");
        Emit(efficiency.ToString());
        foreach (var run in runs.Where(r => r.Figures.Clients == 16 && !double.IsNaN(r.Efficiency)))
            Emit($"Goal (efficiency) at 16 clients, {run.Variant.Name} round {run.Round}: {run.Efficiency:P0} of raw ONNX Runtime (≥ 80 %): "
                 + $"{(run.Efficiency >= 0.8 ? "met" : "NOT met")}; per core-second {run.EfficiencyPerCore:P0}.\n");

        foreach (var run in runs.Where(r => r.Figures.Clients == 16))
        {
            var f = run.Figures;
            bool met = f.RequestsPerSecond >= 200 && f.P99 < 50 && f.Errors == 0;
            Emit($"Goal (issue 6) at 16 clients, {run.Variant.Name} round {run.Round}: {F1(f.RequestsPerSecond)} req/s (≥ 200), p99 {F1(f.P99)} ms (< 50): {(met ? "met" : "NOT met")}.\n");
        }
    }

    private static void EmitOpenLoop(Action<string> Emit, Variant variant, int capacityClients, double capacity, LoadFigures single,
                                     List<OpenRun> runs, int duration, int warmup)
    {
        Emit($"## Latency under a steady arrival rate ({variant.Name}; open loop, {duration} s measured after {warmup} s, a fresh service per run)\n");
        Emit($"Capacity = {F1(capacity)} requests/s, the closed loop's at {capacityClients} clients above. Single-request latency = "
             + $"one client alone in a closed loop: p50 {F1(single.P50)} ms, p99 {F1(single.P99)} ms ({F1(single.RequestsPerSecond)} req/s). "
             + "The open loop (capsnet-loadtest open) sends requests at a fixed rate, evenly spaced, whether or not earlier ones were "
             + "answered; latency counts from each request's due moment, so queueing shows. Batch sizes: the service's histogram over the window.\n");
        var table = new MarkdownTable("load", "arrivals/s", "answered/s", "p50 ms", "p99 ms", "max ms", "p99 ÷ single p50", "errors", "dropped",
                                      "send lag p99 ms", "mean batch", "batch sizes (share of calls)", "service cores", "others");
        foreach (var run in runs)
        {
            var f = run.Figures;
            table.Add($"{run.Fraction:P0}", F1(f.Rate), F1(f.AnsweredPerSecond), F1(f.P50), F1(f.P99), F1(f.Max), $"{f.P99 / single.P50:F2}×",
                      I(f.Errors), I(f.Dropped), F1(f.SendLagP99), F2(f.Batches?.Mean ?? double.NaN), f.Batches?.Buckets ?? "–",
                      F2(f.ServiceCores), F2(f.OthersCores));
        }
        Emit(table.ToString());
        foreach (var run in runs.Where(r => Math.Abs(r.Fraction - 0.5) < 1e-9))
            Emit($"Goal (latency) at 50 % load: p99 {F1(run.Figures.P99)} ms ≤ 3 × single-request p50 {F1(single.P50)} ms = "
                 + $"{F1(3 * single.P50)} ms: {(run.Figures.P99 <= 3 * single.P50 ? "met" : "NOT met")}.\n");
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
    private static string F0(double? value) => value is { } v && !double.IsNaN(v) ? v.ToString("F0", CultureInfo.InvariantCulture) : "–";
    private static string F1(double value) => value.ToString("F1", CultureInfo.InvariantCulture);
    private static string F2(double value) => double.IsNaN(value) ? "–" : value.ToString("F2", CultureInfo.InvariantCulture);
}
