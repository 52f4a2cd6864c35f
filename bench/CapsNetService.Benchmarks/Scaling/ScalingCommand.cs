using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using CapsNetService.Benchmarks.Inference;
using CapsNetService.Benchmarks.Measurement;
using CapsNetService.Benchmarks.Training;
using CapsNetService.Common;
using ScottPlot;

namespace CapsNetService.Benchmarks.Scaling;

/// <summary>What one ONNX Runtime batch size measured in its own process.</summary>
public sealed record OrtRow(string Label, int Batch, double ImagesPerSecond, double MeanMilliseconds, double P99Milliseconds,
                            double SessionResidentMiB, double ResidentAfterMiB, double PeakResidentMiB, double OthersCores);

/// <summary>
/// <c>scaling</c>: how the cost grows with the batch size. ONNX Runtime (the service's session settings, real MNIST
/// digits): images/s and resident memory at each batch size, for each classifier graph given (<c>--model
/// label=path</c>, repeated: fp32 by default; an int8 graph is one more <c>--model int8=...</c>); and the trainer's
/// step time and peak memory at each batch size (the <c>training</c> benchmark's rows). Every (graph, batch) and every
/// training row runs in a fresh process, so each has its own peak RSS (VmHWM). Prints Markdown tables and writes two
/// plots (ScottPlot PNGs) for docs/benchmarks.md.
/// </summary>
public static class ScalingCommand
{
    private const string RowName = "scaling-row";
    private const string Marker = "scaling-row: ";

    private static readonly Option<string[]> Models = new("--model") { Description = "classifier graphs as label=path (repeat for more rows; default fp32=models/capsnet.onnx)", AllowMultipleArgumentsPerToken = true };
    private static readonly Option<int[]> Batches = new("--batch") { Description = "ONNX Runtime batch sizes", DefaultValueFactory = _ => [1, 2, 4, 8, 16, 32, 64, 128, 256], AllowMultipleArgumentsPerToken = true };
    private static readonly Option<double> RowSeconds = new("--row-seconds") { Description = "about this long per ONNX Runtime batch size (at least 5 calls)", DefaultValueFactory = _ => 2.0 };
    private static readonly Option<int[]> TrainingBatches = new("--training-batch") { Description = "trainer batch sizes (none: skip the training rows)", DefaultValueFactory = _ => [1, 2, 4, 8, 16, 32, 64, 128, 256], AllowMultipleArgumentsPerToken = true };
    private static readonly Option<int> TrainingSteps = new("--training-steps") { Description = "timed training steps per batch size (after 1 warm-up step)", DefaultValueFactory = _ => 3 };
    private static readonly Option<string> DataDir = new("--data-dir") { Description = "folder with the MNIST IDX files (test files for ONNX Runtime, training files for the trainer)", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CAPSNET_MNIST_DIR") ?? "data/mnist" };
    private static readonly Option<int> Threads = new("--threads") { Description = "libtorch intra-op threads for the training rows", DefaultValueFactory = _ => Environment.ProcessorCount };
    private static readonly Option<double> MaxOthers = new("--max-others-cores") { Description = "a block of calls during which other processes used more CPU than this (in cores) is taken again (a few times at most)", DefaultValueFactory = _ => 0.3 };
    private static readonly Option<string> PlotsDir = new("--plots-dir") { Description = "where ort-scaling.png and training-scaling.png go", DefaultValueFactory = _ => RepositoryRoot.Path("docs", "benchmarks") };
    private static readonly Option<string?> Out = new("--out") { Description = "also write the Markdown results to this file" };

    private static readonly Option<string> RowModel = new("--model-path");
    private static readonly Option<string> RowLabel = new("--label");
    private static readonly Option<int> RowBatch = new("--batch-size");

    public static Command Create()
    {
        var command = new Command("scaling", "images/s and memory against the batch size: ONNX Runtime (one row per graph) and the trainer, with plots")
        {
            Models, Batches, RowSeconds, TrainingBatches, TrainingSteps, DataDir, Threads, MaxOthers, PlotsDir, Out,
        };
        command.SetAction(RunAsync);
        return command;
    }

    /// <summary>The hidden <c>scaling-row</c>: one (graph, batch size) in a process of its own, printed as one JSON line.</summary>
    public static Command CreateRow()
    {
        var command = new Command(RowName, "(internal) one ONNX Runtime row of `scaling`, in its own process")
        {
            RowModel, RowLabel, RowBatch, RowSeconds, DataDir, MaxOthers,
        };
        command.Hidden = true;
        command.SetAction(result =>
        {
            int batch = result.GetValue(RowBatch);
            using var throughput = new OrtThroughput(result.GetValue(RowModel)!, result.GetValue(DataDir)!, result.GetValue(RowSeconds),
                                                     result.GetValue(MaxOthers), Console.Error.WriteLine, images: Math.Max(256, batch));
            double session = ProcessMemory.ResidentMiB() ?? double.NaN;
            var timing = throughput.Timing(batch);
            var row = new OrtRow(result.GetValue(RowLabel)!, batch, throughput.ImagesPerSecond(batch), timing.Milliseconds.Values.Average(),
                                 timing.Milliseconds.P99, session, ProcessMemory.ResidentMiB() ?? double.NaN,
                                 ProcessMemory.PeakResidentMiB() ?? double.NaN, timing.OthersCores);
            Console.WriteLine(Marker + JsonSerializer.Serialize(row));
            return 0;
        });
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var models = (result.GetValue(Models) is { Length: > 0 } given ? given : [$"fp32={RepositoryRoot.Path("models", ModelContract.ModelFileName)}"])
            .Select(ParseModel).ToList();
        var batches = result.GetValue(Batches)!;
        var trainingBatches = result.GetValue(TrainingBatches) ?? [];
        string dataDir = Path.GetFullPath(result.GetValue(DataDir)!);
        double rowSeconds = result.GetValue(RowSeconds), maxOthers = result.GetValue(MaxOthers);
        int steps = result.GetValue(TrainingSteps), threads = result.GetValue(Threads);
        if (batches.Length == 0 || batches.Any(b => b < 1) || trainingBatches.Any(b => b < 1) || steps < 1 || rowSeconds <= 0)
            throw new ArgumentException("--batch and --training-batch need positive sizes, --training-steps and --row-seconds must be positive");
        string plotsDir = Path.GetFullPath(result.GetValue(PlotsDir)!);
        Directory.CreateDirectory(plotsDir);

        var report = new BenchmarkReport();
        void Emit(string text) => report.Emit(text);
        static void Log(string text) => BenchmarkReport.Log(text);

        report.EmitMachine();

        var ortRows = new List<OrtRow>();
        foreach (var (label, path) in models)
            foreach (int batch in batches)
            {
                cancellationToken.ThrowIfCancellationRequested();
                BlockTimer.WaitForQuiet(0.15, 10);
                Log($"== ONNX Runtime {label}, batch {batch}");
                var row = RunOrtChild(label, path, batch, rowSeconds, dataDir, maxOthers);
                Log($"   {row.ImagesPerSecond:F1} images/s, peak RSS {row.PeakResidentMiB:F0} MiB");
                ortRows.Add(row);
            }

        Emit("## ONNX Runtime: images/s and memory against the batch size\n");
        Emit("One process per (graph, batch): the service's session settings, real MNIST test digits, the service's per-call copies; "
             + "images/s = batch ÷ mean call time; RSS after the session is made, after the calls, and the peak (VmHWM).\n");
        var ortTable = new MarkdownTable("graph", "batch", "images/s", "vs batch 1", "mean ms per call", "p99 ms per call", "RSS with session MiB",
                                         "RSS after MiB", "peak RSS MiB", "others (cores)");
        foreach (var row in ortRows)
        {
            var one = ortRows.FirstOrDefault(r => r.Label == row.Label && r.Batch == 1);
            ortTable.Add(row.Label, I(row.Batch), F1(row.ImagesPerSecond), one is null ? "–" : $"{row.ImagesPerSecond / one.ImagesPerSecond:F2}×",
                         F2(row.MeanMilliseconds), F2(row.P99Milliseconds), F0(row.SessionResidentMiB), F0(row.ResidentAfterMiB),
                         F0(row.PeakResidentMiB), F2(row.OthersCores));
        }
        Emit(ortTable.ToString());
        string ortPlot = Path.Combine(plotsDir, "ort-scaling.png");
        PlotScaling(ortPlot, "ONNX Runtime on the CPU: cost against batch size", "images/s",
                    ortRows.GroupBy(r => r.Label).Select(g => (g.Key, g.Select(r => (r.Batch, r.ImagesPerSecond, r.PeakResidentMiB)).ToList())).ToList());
        Emit($"Plot: `{Path.GetFileName(ortPlot)}`.\n");

        if (trainingBatches.Length > 0)
        {
            var trainingRows = new List<RowResult>();
            foreach (int batch in trainingBatches)
            {
                cancellationToken.ThrowIfCancellationRequested();
                BlockTimer.WaitForQuiet(0.15, 10);
                Log($"== trainer, batch {batch}");
                var row = RowCommand.RunChild(Implementation.Trainer, batch, steps, 1, forwardOnly: false, threads, dataDir, 42, maxOthers, 2);
                Log($"   median step {row.Samples.Median:F0} ms, peak RSS {row.PeakResidentMiB:F0} MiB");
                trainingRows.Add(row);
            }
            Emit("## Trainer: step time and memory against the batch size\n");
            Emit($"The `training` benchmark's rows (trainer implementation, {steps} timed steps after 1 warm-up, libtorch threads {threads}), "
                 + "one process each; images/s = batch ÷ median step; peak RSS = VmHWM of that process.\n");
            var trainingTable = new MarkdownTable("batch", "median step ms", "ms per image", "images/s", "peak RSS MiB", "others (cores)");
            foreach (var row in trainingRows)
                trainingTable.Add(I(row.Batch), F1(row.Samples.Median), F2(row.Samples.Median / row.Batch), F1(row.Batch / (row.Samples.Median / 1000)),
                                  F0(row.PeakResidentMiB), F2(row.OthersCores));
            Emit(trainingTable.ToString());
            string trainingPlot = Path.Combine(plotsDir, "training-scaling.png");
            PlotScaling(trainingPlot, "Trainer (TorchSharp, CPU): cost against batch size", "training images/s",
                        [("trainer", trainingRows.Select(r => (r.Batch, r.Batch / (r.Samples.Median / 1000), r.PeakResidentMiB)).ToList())]);
            Emit($"Plot: `{Path.GetFileName(trainingPlot)}`.\n");
        }

        await report.SaveAsync(result.GetValue(Out), cancellationToken);
        return 0;
    }

    private static (string Label, string Path) ParseModel(string text)
    {
        int equals = text.IndexOf('=');
        var (label, path) = equals > 0 ? (text[..equals], text[(equals + 1)..]) : (Path.GetFileNameWithoutExtension(text), text);
        path = Path.GetFullPath(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"--model {text}: no such file", path);
        return (label, path);
    }

    private static OrtRow RunOrtChild(string label, string path, int batch, double seconds, string dataDir, double maxOthers)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        string[] arguments =
        [
            RowName, "--model-path", path, "--label", label, "--batch-size", I(batch), "--row-seconds", seconds.ToString(CultureInfo.InvariantCulture),
            "--data-dir", dataDir, "--max-others-cores", maxOthers.ToString(CultureInfo.InvariantCulture),
        ];
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var child = Process.Start(start) ?? throw new InvalidOperationException("could not start a benchmark child process");
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal));
        if (child.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"benchmark child ({string.Join(' ', arguments)}) failed with exit code {child.ExitCode}: {output}");
        return JsonSerializer.Deserialize<OrtRow>(line[Marker.Length..])!;
    }

    /// <summary>Throughput (left axis, solid) and peak RSS (right axis, dashed) against the batch size on a log₂ axis, one colour per series.</summary>
    private static void PlotScaling(string path, string title, string throughputLabel,
                                    IReadOnlyList<(string Label, List<(int Batch, double PerSecond, double PeakMiB)> Points)> series)
    {
        var plot = new Plot();
        plot.Title(title, size: 18);
        plot.XLabel("batch size (log scale)", size: 15);
        plot.YLabel(throughputLabel, size: 15);
        plot.Axes.Right.Label.Text = "peak RSS (MiB)";
        plot.Axes.Right.Label.FontSize = 15;
        var palette = new ScottPlot.Palettes.Category10();
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (int batch in series.SelectMany(s => s.Points).Select(p => p.Batch).Distinct().Order())
            ticks.AddMajor(Math.Log2(batch), I(batch));
        plot.Axes.Bottom.TickGenerator = ticks;
        for (int i = 0; i < series.Count; i++)
        {
            var (label, points) = series[i];
            double[] xs = points.Select(p => Math.Log2(p.Batch)).ToArray();
            var color = palette.GetColor(i);
            var rate = plot.Add.Scatter(xs, points.Select(p => p.PerSecond).ToArray(), color);
            rate.LegendText = $"{label}: {throughputLabel}";
            rate.LineWidth = 2.5f;
            rate.MarkerSize = 7;
            var memory = plot.Add.Scatter(xs, points.Select(p => p.PeakMiB).ToArray(), color);
            memory.LegendText = $"{label}: peak RSS";
            memory.LinePattern = LinePattern.Dashed;
            memory.LineWidth = 2;
            memory.MarkerSize = 5;
            memory.Axes.YAxis = plot.Axes.Right;
        }
        plot.Axes.AutoScale();
        plot.Axes.SetLimitsY(0, plot.Axes.GetLimits(plot.Axes.Bottom, plot.Axes.Left).Top * 1.1, plot.Axes.Left);
        plot.Axes.SetLimitsY(0, plot.Axes.GetLimits(plot.Axes.Bottom, plot.Axes.Right).Top * 1.1, plot.Axes.Right);
        plot.Legend.Alignment = Alignment.UpperLeft;
        plot.ShowLegend();
        plot.SavePng(path, 900, 520);
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
    private static string F0(double value) => double.IsNaN(value) ? "–" : value.ToString("F0", CultureInfo.InvariantCulture);
    private static string F1(double value) => value.ToString("F1", CultureInfo.InvariantCulture);
    private static string F2(double value) => double.IsNaN(value) ? "–" : value.ToString("F2", CultureInfo.InvariantCulture);
}
