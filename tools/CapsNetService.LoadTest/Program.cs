using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using CapsNetService.LoadTest.Cli;
using CapsNetService.LoadTest.Corpus;
using CapsNetService.LoadTest.Images;
using CapsNetService.LoadTest.Runs;

// capsnet-loadtest: see README.md beside this file, and docs/reliability.md for the figures of a full run.
const int Pass = 0, Fail = 1, Usage = 2;

Arguments arguments;
try
{
    arguments = new Arguments(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return Usage;
}
if (arguments.Command is "help" or "-h")
{
    Console.WriteLine(Help.Text);
    return Usage;
}

try
{
    var url = arguments.Url();
    int? pid = arguments.OptionalInt("pid");
    int seed = arguments.Int("seed", 7);
    string? reportPath = arguments.String("report");
    var digits = MnistDigits.Load(MnistDigits.LocateDirectory(arguments.String("mnist-dir")));
    var limits = new ServiceLimits(
        arguments.Long("max-request-bytes", new ServiceLimits().MaxRequestBytes, 1024),
        arguments.Int("max-batch", new ServiceLimits().MaxBatchImages, 1),
        arguments.Int("max-image-side", new ServiceLimits().MaxImageSide, 1),
        arguments.Long("max-request-pixels", new ServiceLimits().MaxRequestPixels, 1));
    bool runCorpus = arguments.Command is "corpus" or "all";
    bool runLoad = arguments.Command is "load" or "all";
    bool runFaults = arguments.Command is "faults" or "all";
    bool runOpen = arguments.Command is "open";
    if (!runCorpus && !runLoad && !runFaults && !runOpen) throw new ArgumentException($"unknown command '{arguments.Command}'; see capsnet-loadtest help");

    var corpusSettings = new CorpusSettings(url, pid, seed, arguments.Int("count", 1200, 1), arguments.Int("concurrency", 8, 1, 256),
        arguments.Int("slow-concurrency", 16, 1, 256), arguments.Int("batch", 50, 1),
        TimeSpan.FromSeconds(arguments.Int("request-timeout", 30, 1)), TimeSpan.FromSeconds(arguments.Int("slow-timeout", 30, 1)),
        arguments.String("dump"));
    string? query = arguments.String("query");
    var loadSettings = new LoadSettings(url, pid, arguments.Int("clients", 32, 1, 1024), TimeSpan.FromSeconds(arguments.Int("duration", 60, 1)),
        TimeSpan.FromSeconds(arguments.Int("warmup", 5, 0)), seed, query);
    var openSettings = runOpen
        ? new OpenLoopSettings(url, pid, arguments.Double("rate", 0.1, 10_000), loadSettings.Duration, loadSettings.Warmup,
                               arguments.Choice("arrivals", ArrivalPattern.Uniform), arguments.Int("max-in-flight", 1024, 1, 65_536), seed, query)
        : null;
    string? modelsDirectory = runFaults ? Path.GetFullPath(arguments.Required("models-dir")) : null;
    var faultSettings = new FaultSettings(url, pid, modelsDirectory ?? "", arguments.Int("fault-clients", 8, 1, 1024),
        TimeSpan.FromSeconds(arguments.Int("step-timeout", 60, 1)), arguments.String("service-log"), seed, !arguments.Flag("no-restore"),
        arguments.Int("reload-cycles", 0, 0, 1000));
    if (arguments.Unknown.FirstOrDefault() is { } unknown) throw new ArgumentException($"unknown option --{unknown}");

    using (var probe = new ServiceProbe(url))
        if (!await probe.WaitUntilReadyAsync(TimeSpan.FromSeconds(30)))
        {
            Console.Error.WriteLine($"error: {url} does not answer GET /health/ready with 200 within 30 s; start the service first");
            return Usage;
        }

    Console.WriteLine($"capsnet-loadtest {arguments.Command} against {url} (server PID {pid?.ToString() ?? "not given: no memory figures"}); "
                      + $"client machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
    var report = new Dictionary<string, object?>
    {
        ["command"] = "capsnet-loadtest " + string.Join(' ', args),
        ["startedAt"] = DateTimeOffset.UtcNow,
        ["machine"] = new { cores = Environment.ProcessorCount, os = RuntimeInformation.OSDescription, dotnet = Environment.Version.ToString() },
    };
    bool passed = true;

    if (runCorpus)
    {
        var corpus = HostileCorpus.Generate(seed, corpusSettings.Count, digits, limits);
        Console.WriteLine($"Hostile corpus: {corpus.Count} requests from seed {seed} ({corpus.Count(c => c.Slow)} slow senders), "
                          + $"{corpusSettings.Concurrency} at a time, GET /health/live every {corpusSettings.BatchSize}");
        var result = await CorpusRun.RunAsync(corpusSettings, corpus, Console.Out);
        CorpusRun.Print(result, Console.Out);
        report["corpus"] = result;
        passed &= result.Passed;
        if (result.ProcessGone) runLoad = runFaults = false;
    }
    if (runLoad)
    {
        Console.WriteLine();
        Console.WriteLine($"Sustained load: {loadSettings.Clients} clients for {loadSettings.Duration.TotalSeconds:F0} s (+{loadSettings.Warmup.TotalSeconds:F0} s warm-up)");
        var result = await SustainedLoad.RunAsync(loadSettings, digits, Console.Out);
        SustainedLoad.Print(result, Console.Out);
        report["load"] = result;
        passed &= result.Passed;
    }
    if (openSettings is not null)
    {
        Console.WriteLine();
        Console.WriteLine($"Open loop: {openSettings.Rate:F1} requests/s ({openSettings.Pattern.ToString().ToLowerInvariant()} arrivals) for "
                          + $"{openSettings.Duration.TotalSeconds:F0} s (+{openSettings.Warmup.TotalSeconds:F0} s warm-up)");
        var result = await OpenLoopLoad.RunAsync(openSettings, digits, Console.Out);
        OpenLoopLoad.Print(result, Console.Out);
        report["open"] = result;
        passed &= result.Passed;
    }
    if (runFaults)
    {
        Console.WriteLine();
        Console.WriteLine($"Model faults: publishing into {faultSettings.ModelsDirectory} under {faultSettings.Clients} clients of load");
        var result = await ModelFaultDrill.RunAsync(faultSettings, digits, Console.Out);
        ModelFaultDrill.Print(result, Console.Out);
        report["faults"] = result;
        passed &= result.Passed;
    }

    report["passed"] = passed;
    if (reportPath is not null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(reportPath))!);
        await File.WriteAllTextAsync(reportPath, JsonSerializer.Serialize(report, new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = true,
            // A histogram's last bucket is +Inf; a mean without calls is NaN.
            NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
        Console.WriteLine($"Report: {reportPath}");
    }
    Console.WriteLine(passed ? "RESULT: PASS" : "RESULT: FAIL");
    return passed ? Pass : Fail;
}
catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
                              or InvalidOperationException or HttpRequestException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return Usage;
}

internal static class Help
{
    public const string Text = """
        capsnet-loadtest: reliability checks against a RUNNING CapsNet service, over real HTTP.

          capsnet-loadtest corpus --url URL [--pid PID] [--count 1200] [--seed 7] [--concurrency 8] [--batch 50]
                                  [--request-timeout 30] [--slow-timeout 30] [--dump DIR]
              Generates the hostile-upload corpus from the seed and fires it; every answer must be one of the expected
              4xx as application/problem+json (never a 5xx, a hang, a stack trace or a server path), and
              GET /health/live must answer after every batch.
          capsnet-loadtest load --url URL [--pid PID] [--clients 32] [--duration 60] [--warmup 5]
              Sustained load (closed loop): real MNIST PNGs to POST /predict; requests/s, p50/p95/p99, errors, server RSS,
              the service's batch sizes (GET /metrics).
          capsnet-loadtest open --url URL --rate R [--pid PID] [--duration 60] [--warmup 5] [--arrivals uniform|poisson]
                                [--max-in-flight 1024]
              Open loop: R requests/s on a schedule fixed in advance, sent whether or not earlier ones were answered, so
              that queueing shows; latency from each request's due moment, p50/p99, the service's batch sizes.
          capsnet-loadtest faults --url URL --models-dir DIR [--pid PID] [--fault-clients 8] [--service-log FILE]
                                  [--step-timeout 60] [--no-restore] [--reload-cycles 0]
              Publishes a corrupt, a truncated and a wrong-contract capsnet.onnx into DIR under load, then a good one
              (new version), then the original back: no request may fail, each bad file must be rejected.
              --reload-cycles N then reloads N more versions under load, reporting the server's RSS after each.
          capsnet-loadtest all ...   the three in order, with their options.

        Common: --mnist-dir DIR (default: CAPSNET_MNIST_DIR, else ../shared/mnist beside the clone), --report FILE.json,
        --query TEXT (load, open: appended to /predict, e.g. images=false),
        --max-request-bytes / --max-batch / --max-image-side / --max-request-pixels when the service runs with other Uploads limits.
        Exit code: 0 all checks passed, 1 a check failed, 2 bad arguments or no service.
        """;
}
