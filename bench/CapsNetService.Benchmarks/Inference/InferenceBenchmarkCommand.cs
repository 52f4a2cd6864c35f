using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CapsNetService.Benchmarks.Measurement;
using CapsNetService.Benchmarks.Training;
using CapsNetService.Common;
using CapsNetService.Common.Mnist;
using CapsNetService.Training.Data;
using Microsoft.ML.OnnxRuntime;

namespace CapsNetService.Benchmarks.Inference;

/// <summary>
/// <c>inference</c>: the shipped model under ONNX Runtime on the CPU, as the service calls it: batch-1 latency
/// (p50/p99), throughput at larger batches, the decoder graph at the capsule explorer's batch, for several session
/// configurations (thread counts, execution mode, graph optimisation level, spinning), each against the service's own
/// settings measured in the same run (twice: first and last, to show drift). Optionally the TorchSharp forward pass of
/// the same architecture (the training benchmark's forward-only rows) as a second baseline. When the int8 graph
/// (capsnet.int8.onnx) is there, it runs with the service's settings too, and a table puts its images/s beside fp32's.
/// </summary>
public static class InferenceBenchmarkCommand
{
    private static readonly Option<string?> Model = new("--model") { Description = "the classifier graph (default: the repository's models/capsnet.onnx)" };
    private static readonly Option<string?> Decoder = new("--decoder") { Description = "the decoder graph (default: capsnet.decoder.onnx beside --model)" };
    private static readonly Option<string?> Int8 = new("--int8") { Description = "the int8 classifier graph (default: capsnet.int8.onnx beside --model, when there; 'none' skips it)" };
    private static readonly Option<string> DataDir = new("--data-dir") { Description = "folder with MNIST's test files (t10k-*, .gz or raw)", DefaultValueFactory = _ => "data/mnist" };
    private static readonly Option<int[]> Batches = new("--batch") { Description = "classifier batch sizes (1 gives the latency table)", DefaultValueFactory = _ => [1, 8, 64, 256], AllowMultipleArgumentsPerToken = true };
    private static readonly Option<string[]> Configurations = new("--config") { Description = $"session configurations, in order (the service's is added first and last): {string.Join(", ", OrtConfiguration.All.Select(c => c.Name))}", DefaultValueFactory = _ => OrtConfiguration.All.Select(c => c.Name).ToArray(), AllowMultipleArgumentsPerToken = true };
    private static readonly Option<int> LatencyReps = new("--latency-reps") { Description = "timed calls at batch 1", DefaultValueFactory = _ => 300 };
    private static readonly Option<double> RowSeconds = new("--row-seconds") { Description = "about this long per (configuration, batch) at batches above 1 (5 to 200 calls)", DefaultValueFactory = _ => 2.0 };
    private static readonly Option<int> DecoderBatch = new("--decoder-batch") { Description = "decoder graph batch (0 = skip): the explorer decodes 16 dimensions × 11 steps = 176 in one call", DefaultValueFactory = _ => 176 };
    private static readonly Option<int[]> TorchBatches = new("--torch-batch") { Description = "batch sizes for the TorchSharp forward-only baseline (needs the training files in --data-dir; 0 = skip)", DefaultValueFactory = _ => [1, 64], AllowMultipleArgumentsPerToken = true };
    private static readonly Option<int> TorchReps = new("--torch-reps") { Description = "timed TorchSharp forward passes at batch 1 (a third of it, at least 5, above)", DefaultValueFactory = _ => 50 };
    private static readonly Option<double> MaxOthers = new("--max-others-cores") { Description = "a block of calls during which other processes used more CPU than this (in cores) is thrown away and taken again", DefaultValueFactory = _ => 0.15 };
    private static readonly Option<int> MaxRetakes = new("--max-retakes") { Description = "at most this many retaken blocks per row", DefaultValueFactory = _ => 20 };
    private static readonly Option<string?> Out = new("--out") { Description = "also write the Markdown results to this file" };

    public static Command Create()
    {
        var command = new Command("inference", "ONNX Runtime on the CPU over the shipped model: batch-1 latency, throughput, decoder; session settings compared in one run")
        {
            Model, Decoder, Int8, DataDir, Batches, Configurations, LatencyReps, RowSeconds, DecoderBatch, TorchBatches, TorchReps, MaxOthers, MaxRetakes, Out,
        };
        command.SetAction(RunAsync);
        return command;
    }

    private const string Int8Label = "service, int8";

    private sealed record BatchRow(OrtConfiguration Configuration, string Label, int Batch, BlockTiming Timing);

    private sealed record ConfigurationCheck(string Label, double SessionMilliseconds, double Accuracy, double MaxLengthDiff, double MaxReconstructionDiff);

    private static async Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var modelPath = Path.GetFullPath(result.GetValue(Model) ?? RepositoryRoot.Path("models", ModelContract.ModelFileName));
        var decoderPath = Path.GetFullPath(result.GetValue(Decoder) ?? Path.Combine(Path.GetDirectoryName(modelPath)!, ModelContract.DecoderFileName));
        var dataDirectory = Path.GetFullPath(result.GetValue(DataDir)!);
        var batches = result.GetValue(Batches)!;
        int latencyReps = result.GetValue(LatencyReps), decoderBatch = result.GetValue(DecoderBatch), maxRetakes = result.GetValue(MaxRetakes);
        double rowSeconds = result.GetValue(RowSeconds), maxOthers = result.GetValue(MaxOthers);
        if (batches.Length == 0 || batches.Any(b => b < 1)) throw new ArgumentException("--batch needs positive batch sizes");
        if (latencyReps < 1 || rowSeconds <= 0 || decoderBatch < 0) throw new ArgumentException("--latency-reps and --row-seconds must be positive, --decoder-batch not negative");

        // The service's settings first and last (drift), the others in between, in the order given.
        var named = result.GetValue(Configurations)!.Select(OrtConfiguration.Find).Where(c => c != OrtConfiguration.Service).Distinct().ToList();
        var plan = new List<(OrtConfiguration Configuration, string Label)> { (OrtConfiguration.Service, "service") };
        plan.AddRange(named.Select(c => (c, c.Name)));
        var int8Path = result.GetValue(Int8) is { } given
            ? given == "none" ? null : Path.GetFullPath(given)
            : Path.Combine(Path.GetDirectoryName(modelPath)!, ModelContract.Int8ModelFileName) is var beside && File.Exists(beside) ? beside : null;
        if (int8Path is not null) plan.Add((OrtConfiguration.Service, Int8Label));
        plan.Add((OrtConfiguration.Service, "service (again, last)"));

        var report = new BenchmarkReport();
        void Emit(string text) => report.Emit(text);
        static void Log(string text) => BenchmarkReport.Log(text);

        report.EmitMachine([("ONNX Runtime", $"{OrtEnv.Instance().GetVersionString()} (NuGet Microsoft.ML.OnnxRuntime, CPU execution provider)")]);

        var classifierBytes = await File.ReadAllBytesAsync(modelPath, cancellationToken);
        var int8Bytes = int8Path is null ? null : await File.ReadAllBytesAsync(int8Path, cancellationToken);
        if (int8Path is not null) Emit($"Int8 graph: `{int8Path}` ({int8Bytes!.Length / 1e6:F1} MB), run with the service's settings as `{Int8Label}`.\n");
        var decoderBytes = decoderBatch > 0 ? await File.ReadAllBytesAsync(decoderPath, cancellationToken) : null;
        var metadataPath = Path.Combine(Path.GetDirectoryName(modelPath)!, ModelContract.MetadataFileName);
        string version = File.Exists(metadataPath) ? CapsNetService.Common.ModelMetadata.FromJson(await File.ReadAllTextAsync(metadataPath, cancellationToken)).ModelVersion : "unknown";
        Emit($"Model: `{modelPath}` ({classifierBytes.Length / 1e6:F1} MB, version {version}); decoder `{decoderPath}`.\n");

        // Real MNIST test digits, normalised as the trainer and the service's pass-through do (/255).
        var test = MnistIdxReader.ReadSet(
            MnistFiles.Find(dataDirectory, MnistFiles.TestImages) ?? throw new FileNotFoundException($"no t10k-images in {dataDirectory}"),
            MnistFiles.Find(dataDirectory, MnistFiles.TestLabels) ?? throw new FileNotFoundException($"no t10k-labels in {dataDirectory}"));
        int imageCount = Math.Max(batches.Max(), 256);
        var images = Enumerable.Range(0, imageCount).Select(i => test.ModelInput(i, 1)).ToArray();
        var labels = test.Labels[..imageCount];

        var rows = new List<BatchRow>();
        var checks = new List<ConfigurationCheck>();
        var decoderRows = new List<(string Label, BlockTiming Timing)>();
        ClassifierAnswer? reference = null;
        foreach (var (configuration, label) in plan)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Log($"== {label}: {configuration.Description}");
            long created = Stopwatch.GetTimestamp();
            bool int8 = label == Int8Label;
            // The int8 graph has the same float32 decoder: its decoder row would repeat the service's.
            using var graphs = new OrtGraphs(configuration, int8 ? int8Bytes! : classifierBytes, int8 ? null : decoderBytes);
            double sessionMs = Stopwatch.GetElapsedTime(created).TotalMilliseconds;

            // Same answers? Every configuration classifies the same digits in one call; compared with the first.
            var answer = graphs.Classify(images, 0, imageCount);
            reference ??= answer;
            double accuracy = Enumerable.Range(0, imageCount).Count(n => answer.Digit(n) == labels[n]) / (double)imageCount;
            checks.Add(new ConfigurationCheck(label, sessionMs, accuracy, MaxDiff(reference.Probabilities, answer.Probabilities),
                                              MaxDiff(reference.Reconstructions, answer.Reconstructions)));

            foreach (int batch in batches)
            {
                int next = 0;
                void Call() { graphs.Classify(images, next, batch); next = (next + batch) % imageCount; }
                int repetitions = batch == 1 ? latencyReps : RepetitionsFor(Call, rowSeconds);
                var timing = BlockTimer.Measure(batch == 1 ? 10 : 1, repetitions, Call, 250, maxOthers, maxRetakes, Log, $"{label} batch {batch}");
                Log($"   batch {batch}: median {timing.Milliseconds.Median:F2} ms, p99 {timing.Milliseconds.P99:F2} ms, "
                    + $"{batch / (timing.Milliseconds.Median / 1000):F1} images/s, cores busy {timing.CoresBusy:F2}, others {timing.OthersCores:F2}, {timing.Retaken} retaken");
                rows.Add(new BatchRow(configuration, label, batch, timing));
            }

            if (decoderBatch > 0 && !int8)
            {
                // As the explorer builds them: one image's predicted capsule, the others zero, each of the 16
                // dimensions moved through 11 offsets from -0.25 to 0.25, repeated up to the batch size.
                var sets = ExplorerSets(answer, decoderBatch);
                var pixels = new float[decoderBatch * ModelContract.ImagePixels];
                void Decode() => graphs.Decode(sets, pixels, decoderBatch);
                var timing = BlockTimer.Measure(3, RepetitionsFor(Decode, rowSeconds), Decode, 250, maxOthers, maxRetakes, Log, $"{label} decoder");
                Log($"   decoder batch {decoderBatch}: median {timing.Milliseconds.Median:F2} ms");
                decoderRows.Add((label, timing));
            }
        }

        // TorchSharp's forward pass of the same architecture, each batch in a child process (the training harness's rows).
        var torchRows = new List<RowResult>();
        var torchBatches = (result.GetValue(TorchBatches) ?? []).Where(b => b > 0).ToArray();
        if (torchBatches.Length > 0 && MnistFiles.Find(dataDirectory, MnistFiles.TrainImages) is not null)
            foreach (int batch in torchBatches)
            {
                int reps = batch == 1 ? result.GetValue(TorchReps) : Math.Max(5, result.GetValue(TorchReps) / 3);
                Log($"== TorchSharp forward, batch {batch}: {reps} timed");
                torchRows.Add(RowCommand.RunChild(Implementation.Trainer, batch, reps, 3, forwardOnly: true, Environment.ProcessorCount,
                                                  dataDirectory, 42, maxOthers, maxRetakes));
            }

        EmitTables(Emit, rows, checks, decoderRows, torchRows, plan, decoderBatch, imageCount);
        if (int8Bytes is not null) EmitInterleaved(Emit, Log, classifierBytes, int8Bytes, images, batches, rowSeconds);
        await report.SaveAsync(result.GetValue(Out), cancellationToken);
        return 0;
    }

    private static void EmitTables(Action<string> Emit, List<BatchRow> rows, List<ConfigurationCheck> checks,
                                   List<(string Label, BlockTiming Timing)> decoderRows, List<RowResult> torchRows,
                                   List<(OrtConfiguration Configuration, string Label)> plan, int decoderBatch, int imageCount)
    {
        Emit("## Configurations\n");
        var described = new MarkdownTable("configuration", "settings", "session creation (ms)", $"digits right (first {imageCount})",
                                          "max |Δ lengths| vs service", "max |Δ reconstruction| vs service");
        foreach (var check in checks)
        {
            var configuration = plan.First(p => p.Label == check.Label).Configuration;
            described.Add(check.Label, configuration.Description, F0(check.SessionMilliseconds), $"{check.Accuracy:P1}",
                          Sci(check.MaxLengthDiff), Sci(check.MaxReconstructionDiff));
        }
        Emit(described.ToString());

        BatchRow Baseline(int batch) => rows.First(r => r.Label == "service" && r.Batch == batch);

        if (rows.Any(r => r.Batch == 1))
        {
            Emit("## Batch 1: latency of one classifier call (ms)\n");
            Emit("Each call timed on its own; calls grouped in blocks of ≥ 250 ms, and a block during which other processes used more "
                 + "than the threshold was thrown away and taken again (retaken). vs service = the service configuration's p50 ÷ this p50 "
                 + "(first run of the service configuration; > 1 is faster).\n");
            var latency = new MarkdownTable("configuration", "p50", "p90", "p99", "min–max", "n", "images/s (1 ÷ p50)", "p50 vs service",
                                            "cores busy", "others", "retaken blocks");
            foreach (var row in rows.Where(r => r.Batch == 1))
            {
                var ms = row.Timing.Milliseconds;
                latency.Add(row.Label, F2(ms.Median), F2(ms.P90), F2(ms.P99), $"{F2(ms.Min)}–{F2(ms.Max)}", I(ms.Count), F0(1000 / ms.Median),
                            Ratio(Baseline(1).Timing.Milliseconds.Median / ms.Median), F2(row.Timing.CoresBusy), F2(row.Timing.OthersCores), I(row.Timing.Retaken));
            }
            Emit(latency.ToString());
        }

        Emit("## Throughput: images/s by batch size (one call of N images; images/s = N ÷ median call time)\n");
        var batches = rows.Select(r => r.Batch).Distinct().Order().ToList();
        var pivot = new MarkdownTable(["configuration", .. batches.SelectMany(b => new[] { $"batch {b}", "vs service" })]);
        foreach (var label in rows.Select(r => r.Label).Distinct())
        {
            var cells = new List<string> { label };
            foreach (int batch in batches)
            {
                var row = rows.First(r => r.Label == label && r.Batch == batch);
                cells.Add(F1(batch / (row.Timing.Milliseconds.Median / 1000)));
                cells.Add(Ratio(Baseline(batch).Timing.Milliseconds.Median / row.Timing.Milliseconds.Median));
            }
            pivot.Add([.. cells]);
        }
        Emit(pivot.ToString());

        Emit("## Every row\n");
        var all = new MarkdownTable("configuration", "batch", "ms/call median", "p10–p90", "p99", "n", "images/s", "vs service",
                                    "cores busy", "others", "retaken blocks");
        foreach (var row in rows)
        {
            var ms = row.Timing.Milliseconds;
            all.Add(row.Label, I(row.Batch), F2(ms.Median), $"{F2(ms.P10)}–{F2(ms.P90)}", F2(ms.P99), I(ms.Count), F1(row.Batch / (ms.Median / 1000)),
                    Ratio(Baseline(row.Batch).Timing.Milliseconds.Median / ms.Median), F2(row.Timing.CoresBusy), F2(row.Timing.OthersCores), I(row.Timing.Retaken));
        }
        Emit(all.ToString());

        if (decoderRows.Count > 0)
        {
            Emit($"## Decoder graph, batch {decoderBatch} (one POST /explore)\n");
            var decoder = new MarkdownTable("configuration", "ms/call median", "p10–p90", "p99", "n", "capsule sets/s", "vs service", "cores busy", "others", "retaken blocks");
            var baseline = decoderRows[0].Timing.Milliseconds.Median;
            foreach (var (label, timing) in decoderRows)
            {
                var ms = timing.Milliseconds;
                decoder.Add(label, F2(ms.Median), $"{F2(ms.P10)}–{F2(ms.P90)}", F2(ms.P99), I(ms.Count), F0(decoderBatch / (ms.Median / 1000)),
                            Ratio(baseline / ms.Median), F2(timing.CoresBusy), F2(timing.OthersCores), I(timing.Retaken));
            }
            Emit(decoder.ToString());
        }

        if (torchRows.Count > 0)
        {
            Emit($"## Baseline 2: TorchSharp forward pass of the same architecture (eval, no_grad, {Environment.ProcessorCount} threads, untrained weights; a child process per row)\n");
            var torch = new MarkdownTable("batch", "ms/forward median", "p10–p90", "p99", "n", "images/s", "ORT service config vs TorchSharp", "cores busy", "others", "retaken");
            foreach (var row in torchRows)
            {
                var ms = row.Samples;
                var ort = rows.FirstOrDefault(r => r.Label == "service" && r.Batch == row.Batch);
                torch.Add(I(row.Batch), F2(ms.Median), $"{F2(ms.P10)}–{F2(ms.P90)}", F2(ms.P99), I(ms.Count), F1(row.Batch / (ms.Median / 1000)),
                          ort is null ? "–" : Ratio(ms.Median / ort.Timing.Milliseconds.Median), F2(row.CoresBusy), F2(row.OthersCores), I(row.Retaken));
            }
            Emit(torch.ToString());
        }

        if (rows.Any(r => r.Label == Int8Label))
        {
            Emit("## Int8 against fp32: images/s by batch size (service settings; int8/fp32 = fp32 median call time ÷ int8's)\n");
            var int8Table = new MarkdownTable("batch", "fp32 images/s", "int8 images/s", "int8/fp32", "fp32 (again, last) images/s");
            foreach (var row in rows.Where(r => r.Label == Int8Label))
            {
                var fp32 = Baseline(row.Batch).Timing.Milliseconds.Median;
                var again = rows.First(r => r.Label == "service (again, last)" && r.Batch == row.Batch).Timing.Milliseconds.Median;
                int8Table.Add(I(row.Batch), F1(row.Batch / (fp32 / 1000)), F1(row.Batch / (row.Timing.Milliseconds.Median / 1000)),
                              Ratio(fp32 / row.Timing.Milliseconds.Median), F1(row.Batch / (again / 1000)));
            }
            Emit(int8Table.ToString());
            var check = checks.First(c => c.Label == Int8Label);
            Emit($"Int8 digits right on the first {imageCount} test images: {check.Accuracy:P1} (fp32: {checks[0].Accuracy:P1}); "
                 + "full test set: the accuracies capsnet.json records.\n");
        }

        var service = rows.Where(r => r.Label == "service").ToList();
        var goals = new List<string>();
        if (service.FirstOrDefault(r => r.Batch == 1) is { } single)
            goals.Add($"batch-1 p50 {F2(single.Timing.Milliseconds.Median)} ms (goal ≤ 5 ms: {(single.Timing.Milliseconds.Median <= 5 ? "met" : "NOT met")})");
        if (service.Count > 0)
        {
            var best = service.MaxBy(r => r.Batch / r.Timing.Milliseconds.Median)!;
            double rate = best.Batch / (best.Timing.Milliseconds.Median / 1000);
            goals.Add($"best throughput {F1(rate)} images/s at batch {best.Batch} (goal ≥ 250 images/s: {(rate >= 250 ? "met" : "NOT met")})");
        }
        if (goals.Count > 0) Emit($"Goals of issue 6, service configuration (first run): {string.Join("; ", goals)}.\n");
    }

    /// <summary>fp32 and int8 calls taken in turn (the order swapped every pair), so that both meet the same load from
    /// other processes on a shared host; the ratio of their medians is then fair even when the absolute times are not.</summary>
    private static void EmitInterleaved(Action<string> Emit, Action<string> Log, byte[] fp32Bytes, byte[] int8Bytes, float[][] images,
                                        int[] batches, double rowSeconds)
    {
        using var fp32 = new OrtGraphs(OrtConfiguration.Service, fp32Bytes, null);
        using var int8 = new OrtGraphs(OrtConfiguration.Service, int8Bytes, null);
        var table = new MarkdownTable("batch", "pairs", "fp32 ms/call median", "int8 ms/call median", "fp32 images/s", "int8 images/s", "int8/fp32");
        foreach (int batch in batches)
        {
            int next = 0;
            double Time(OrtGraphs graphs)
            {
                long start = Stopwatch.GetTimestamp();
                graphs.Classify(images, next, batch);
                next = (next + batch) % images.Length;
                return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            Time(fp32); Time(int8);
            var a = new List<double>();
            var b = new List<double>();
            var clock = Stopwatch.StartNew();
            for (int pair = 0; pair < 1000 && (pair < 10 || clock.Elapsed.TotalSeconds < 2 * rowSeconds); pair++)
            {
                if (pair % 2 == 0) { a.Add(Time(fp32)); b.Add(Time(int8)); }
                else { b.Add(Time(int8)); a.Add(Time(fp32)); }
            }
            double ma = Median(a), mb = Median(b);
            Log($"   interleaved batch {batch}: fp32 {ma:F2} ms, int8 {mb:F2} ms over {a.Count} pairs");
            table.Add(I(batch), I(a.Count), F2(ma), F2(mb), F1(batch / (ma / 1000)), F1(batch / (mb / 1000)), Ratio(ma / mb));
        }
        Emit("## Int8 against fp32, interleaved (service settings; one fp32 and one int8 call in turn; nothing thrown away)\n");
        Emit(table.ToString());
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Enough calls for about <paramref name="seconds"/>, judged from two untimed calls (5 to 200).</summary>
    private static int RepetitionsFor(Action call, double seconds)
    {
        call();
        long start = Stopwatch.GetTimestamp();
        call();
        double ms = Math.Max(0.01, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        return Math.Clamp((int)Math.Ceiling(seconds * 1000 / ms), 5, 200);
    }

    private static float[] ExplorerSets(ClassifierAnswer answer, int count)
    {
        const int values = ModelContract.Classes * ModelContract.CapsuleDims;
        int digit = answer.Digit(0);
        var capsule = answer.Capsules[0].AsSpan(digit * ModelContract.CapsuleDims, ModelContract.CapsuleDims).ToArray();
        var sets = new float[count * values];
        for (int n = 0; n < count; n++)
        {
            var row = sets.AsSpan(n * values + digit * ModelContract.CapsuleDims, ModelContract.CapsuleDims);
            capsule.CopyTo(row);
            int step = n % 11, dimension = n / 11 % ModelContract.CapsuleDims;
            row[dimension] += -0.25f + 0.05f * step;
        }
        return sets;
    }

    private static double MaxDiff(float[][] a, float[][] b)
    {
        double worst = 0;
        for (int n = 0; n < a.Length; n++)
            for (int i = 0; i < a[n].Length; i++) worst = Math.Max(worst, Math.Abs(a[n][i] - b[n][i]));
        return worst;
    }

    private static string Ratio(double value) => value.ToString("F2", CultureInfo.InvariantCulture) + "×";
    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
    private static string F0(double value) => value.ToString("F0", CultureInfo.InvariantCulture);
    private static string F1(double value) => value.ToString("F1", CultureInfo.InvariantCulture);
    private static string F2(double value) => value.ToString("F2", CultureInfo.InvariantCulture);
    private static string Sci(double value) => value.ToString("0.0e+0", CultureInfo.InvariantCulture);
}
