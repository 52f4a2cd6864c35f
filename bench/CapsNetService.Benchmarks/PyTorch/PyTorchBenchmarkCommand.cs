using System.CommandLine;
using System.Globalization;
using CapsNetService.Benchmarks.Inference;
using CapsNetService.Benchmarks.Measurement;
using CapsNetService.Benchmarks.Training;
using CapsNetService.Common;
using CapsNetService.Training.Model;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace CapsNetService.Benchmarks.PyTorch;

/// <summary>
/// <c>pytorch</c>: a PyTorch eager CapsNet of the same architecture and routing (bench/pytorch/capsnet_eager.py) beside
/// the trainer's TorchSharp model and ONNX Runtime, all in one run with one thread count: first the same-function
/// check (PyTorch from the TorchSharp model's weights must give its lengths, reconstruction, loss and gradients), then
/// training steps and inference throughput, each row with its ratio to PyTorch eager.
/// </summary>
public static class PyTorchBenchmarkCommand
{
    private static readonly Option<string> Python = new("--python") { Description = "the Python that has torch and numpy (Debian's python3-torch)", DefaultValueFactory = _ => PythonBaseline.DefaultPython };
    private static readonly Option<string?> Script = new("--script") { Description = "the PyTorch baseline (default: the repository's bench/pytorch/capsnet_eager.py)" };
    private static readonly Option<int[]> Batches = new("--batch") { Description = "training batch sizes", DefaultValueFactory = _ => [100], AllowMultipleArgumentsPerToken = true };
    private static readonly Option<int> Steps = new("--steps") { Description = "timed training steps per row", DefaultValueFactory = _ => 10 };
    private static readonly Option<int> WarmUp = new("--warmup") { Description = "untimed training steps first, in each row's process", DefaultValueFactory = _ => 2 };
    private static readonly Option<int[]> InferenceBatches = new("--inference-batch") { Description = "batch sizes for the inference rows (0 values = skip them)", DefaultValueFactory = _ => [1, 8, 64], AllowMultipleArgumentsPerToken = true };
    private static readonly Option<int> InferenceReps = new("--inference-reps") { Description = "timed calls per inference row (batch 1: twice as many)", DefaultValueFactory = _ => 40 };
    private static readonly Option<string?> Model = new("--model") { Description = "the ONNX classifier graph (default: the repository's models/capsnet.onnx)" };
    private static readonly Option<string?> Int8 = new("--int8") { Description = "the int8 classifier graph (default: capsnet.int8.onnx beside --model, when there; 'none' skips it)" };
    private static readonly Option<double> MaxOthers = new("--max-others-cores") { Description = "a timed step or block of calls during which other processes used more CPU than this (in cores) is thrown away and taken again", DefaultValueFactory = _ => 0.15 };
    private static readonly Option<int> MaxRetakes = new("--max-retakes") { Description = "at most this many retaken steps or blocks per row", DefaultValueFactory = _ => 10 };
    private static readonly Option<bool> NoInstall = new("--no-install") { Description = $"when the default Python has no torch, stop instead of installing Debian's {PythonBaseline.DebianPackage} with apt-get" };
    private static readonly Option<bool> CheckOnly = new("--check-only") { Description = "run the same-function check and stop (exit code 1 when it fails)" };
    private static readonly Option<string?> Out = new("--out") { Description = "also write the Markdown results to this file" };

    /// <summary>Images handed to the PyTorch rows: enough for 100 distinct batches of 100.</summary>
    private const int BaselineImages = 10_000;

    /// <summary>The check batch, as the TorchSharp baseline's check.</summary>
    private const int CheckBatch = 8;

    public static Command Create()
    {
        var command = new Command("pytorch", "PyTorch eager CapsNet vs the trainer's TorchSharp model vs ONNX Runtime: same-function check, "
                                             + "training step and inference images/s, one run, same threads")
        {
            Python, Script, Batches, Steps, WarmUp, InferenceBatches, InferenceReps, Model, Int8, MaxOthers, MaxRetakes, NoInstall, CheckOnly, Out,
            TrainingBenchmarkCommand.Threads, TrainingBenchmarkCommand.DataDir, TrainingBenchmarkCommand.NoDownload, TrainingBenchmarkCommand.Seed,
        };
        command.SetAction(RunAsync);
        return command;
    }

    /// <summary>One timed row of the tables: who, what, and the per-call milliseconds.</summary>
    public sealed record Row(string Implementation, string Mode, int Batch, Samples Samples, double CoresBusy, double OthersCores, int Retaken,
                             double? PeakResidentMiB)
    {
        public double ImagesPerSecond => Batch / (Samples.Median / 1000);
    }

    public const string PyTorchEager = "PyTorch eager";
    public const string TorchSharpTrainer = "TorchSharp, the trainer's model";
    public const string OnnxRuntime = "ONNX Runtime (fp32), the shipped model";
    public const string OnnxRuntimeInt8 = "ONNX Runtime (int8), the shipped capsnet.int8.onnx";

    private static async Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        string python = result.GetValue(Python)!, script = Path.GetFullPath(result.GetValue(Script) ?? PythonBaseline.DefaultScript);
        var modelPath = Path.GetFullPath(result.GetValue(Model) ?? RepositoryRoot.Path("models", ModelContract.ModelFileName));
        var int8Path = result.GetValue(Int8) is { } given
            ? given == "none" ? null : Path.GetFullPath(given)
            : Path.Combine(Path.GetDirectoryName(modelPath)!, ModelContract.Int8ModelFileName) is var beside && File.Exists(beside) ? beside : null;
        int threads = result.GetValue(TrainingBenchmarkCommand.Threads), seed = result.GetValue(TrainingBenchmarkCommand.Seed);
        int steps = result.GetValue(Steps), warmUp = result.GetValue(WarmUp), reps = result.GetValue(InferenceReps), maxRetakes = result.GetValue(MaxRetakes);
        double maxOthers = result.GetValue(MaxOthers);
        var batches = result.GetValue(Batches)!;
        var inferenceBatches = result.GetValue(InferenceBatches) ?? [];
        var dataDirectory = Path.GetFullPath(result.GetValue(TrainingBenchmarkCommand.DataDir)!);
        if (steps < 1 || reps < 1 || warmUp < 0 || threads < 1) throw new ArgumentException("--steps, --inference-reps and --threads must be at least 1, --warmup not negative");
        if (batches.Any(b => b < 1) || inferenceBatches.Any(b => b < 1)) throw new ArgumentException("batch sizes must be positive");

        var report = new BenchmarkReport();
        void Emit(string text) => report.Emit(text);
        static void Log(string text) => BenchmarkReport.Log(text);

        var (torchVersion, torchDetail) = PythonBaseline.TorchVersion(python);
        string? installed = null;
        // Only Debian's own Python gets Debian's package; another --python is the caller's to equip.
        if (torchVersion is null && python == PythonBaseline.DefaultPython && !result.GetValue(NoInstall))
        {
            Log($"== {torchDetail}; installing Debian's {PythonBaseline.DebianPackage}");
            var (ok, detail) = PythonBaseline.InstallTorch(Log);
            Log($"   {detail}");
            if (ok) (torchVersion, torchDetail) = PythonBaseline.TorchVersion(python);
            if (ok && torchVersion is not null) installed = detail;
            else torchDetail += $" ({detail})";
        }
        if (torchVersion is null)
        {
            Console.Error.WriteLine($"error: {torchDetail}. Install Debian's {PythonBaseline.DebianPackage} (apt-get install {PythonBaseline.DebianPackage}) or name another Python with --python.");
            return 2;
        }

        set_num_threads(threads);
        report.EmitMachine([
            ("PyTorch", $"torch {torchVersion} under `{python}` (eager, CPU){(installed is null ? "" : $"; the harness {installed}")}"),
            ("ONNX Runtime", $"{OrtEnv.Instance().GetVersionString()} (NuGet Microsoft.ML.OnnxRuntime, CPU execution provider)"),
            ("threads", $"{threads} in every row: torch.set_num_threads, TorchSharp's set_num_threads, ONNX Runtime's intra-op threads"),
        ]);

        var train = await BenchmarkData.LoadTrainingSetAsync(dataDirectory, !result.GetValue(TrainingBenchmarkCommand.NoDownload), cancellationToken);
        var folder = Directory.CreateTempSubdirectory("capsnet-pytorch-");
        try
        {
            string weights = Path.Combine(folder.FullName, "weights.npz"), reference = Path.Combine(folder.FullName, "reference.npz"),
                   images = Path.Combine(folder.FullName, "images.npz");
            // The trainer's initial weights under the seed (as the TorchSharp baseline's check), and its answers on the check batch.
            using (var model = (CapsNet)Implementation.Find(Implementation.Trainer, seed).Create())
            {
                BaselineFiles.WriteWeights(model, weights);
                BaselineFiles.WriteReference(model, train, CheckBatch, reference);
            }
            BaselineFiles.WriteImages(train, BaselineImages, images);
            string[] common = ["--weights", weights, "--threads", Invariant(threads), "--seed", Invariant(seed),
                               "--max-others-cores", PythonBaseline.Invariant(maxOthers), "--max-retakes", Invariant(maxRetakes)];

            // 1. Same function? Checked before anything is timed; no PyTorch figure without it.
            Log("== same-function check: PyTorch eager from the TorchSharp model's weights");
            var check = PythonBaseline.Run(python, script, "check", [.. common, "--reference", reference]);
            var verdict = SameFunction.Judge(check);
            Emit($"## Same function: PyTorch eager against the trainer's TorchSharp model (same initial weights, seed {seed}, same batch of {CheckBatch}, train mode)\n");
            Emit($"PyTorch ran torch {check.TorchVersion} under `{check.Python}` with {check.Threads} threads. Tolerances: max |Δ| < "
                 + $"{Sci(EquivalenceCheck.OutputTolerance)} on lengths, reconstruction and loss; ‖Δ∇‖ / ‖∇‖ < {Sci(EquivalenceCheck.GradientTolerance)} "
                 + "for the gradient of the loss with respect to every parameter.\n");
            Emit(verdict.Table().ToString());
            if (!verdict.Agrees)
            {
                Emit($"**PyTorch eager is NOT the same function as the trainer's model ({verdict.Reason}); its rows are not timed.**\n");
                await report.SaveAsync(result.GetValue(Out), cancellationToken);
                return 1;
            }
            if (result.GetValue(CheckOnly))
            {
                await report.SaveAsync(result.GetValue(Out), cancellationToken);
                return 0;
            }

            // 2. Training steps.
            var trainingRows = new List<Row>();
            foreach (int batch in batches)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Log($"== training, batch {batch}: PyTorch eager, {warmUp} warm-up + {steps} timed steps");
                var torchRow = PythonBaseline.Run(python, script, "train",
                    [.. common, "--data", images, "--batch", Invariant(batch), "--steps", Invariant(steps), "--warmup", Invariant(warmUp)]);
                trainingRows.Add(new Row(PyTorchEager, "train", batch, torchRow.Samples, torchRow.CoresBusy, torchRow.OthersCores, torchRow.Retaken, torchRow.PeakResidentMiB));
                const string trainer = Implementation.Trainer + Implementation.MallocSuffix;
                Log($"== training, batch {batch}: {trainer}, {warmUp} warm-up + {steps} timed steps");
                var sharpRow = RowCommand.RunChild(trainer, batch, steps, warmUp, forwardOnly: false, threads, dataDirectory, seed, maxOthers, maxRetakes);
                trainingRows.Add(new Row($"{TorchSharpTrainer} (`{trainer}`, as capsnet-train runs it)", "train", batch, sharpRow.Samples,
                                         sharpRow.CoresBusy, sharpRow.OthersCores, sharpRow.Retaken, sharpRow.PeakResidentMiB));
            }

            // 3. Inference: the same batch sizes for all three.
            var inferenceRows = new List<Row>();
            if (inferenceBatches.Length > 0)
            {
                var configuration = OrtConfiguration.Service with
                {
                    Name = $"service, intra-op {threads}",
                    Description = $"the service's settings with intra-op threads {threads}",
                    IntraOpThreads = threads,
                };
                var classifier = await File.ReadAllBytesAsync(modelPath, cancellationToken);
                var int8 = int8Path is null ? null : await File.ReadAllBytesAsync(int8Path, cancellationToken);
                var ortImages = Enumerable.Range(0, 256).Select(i => train.ModelInput(i, 1)).ToArray();
                foreach (int batch in inferenceBatches)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int calls = batch == 1 ? 2 * reps : reps;
                    Log($"== inference, batch {batch}: PyTorch eager, {calls} timed calls");
                    var torchRow = PythonBaseline.Run(python, script, "infer",
                        [.. common, "--data", images, "--batch", Invariant(batch), "--steps", Invariant(calls), "--warmup", "5"]);
                    inferenceRows.Add(new Row(PyTorchEager, "forward", batch, torchRow.Samples, torchRow.CoresBusy, torchRow.OthersCores, torchRow.Retaken, torchRow.PeakResidentMiB));

                    Log($"== inference, batch {batch}: TorchSharp, {calls} timed calls");
                    var sharpRow = RowCommand.RunChild(Implementation.Trainer, batch, calls, 5, forwardOnly: true, threads, dataDirectory, seed, maxOthers, maxRetakes);
                    inferenceRows.Add(new Row(TorchSharpTrainer, "forward", batch, sharpRow.Samples, sharpRow.CoresBusy, sharpRow.OthersCores,
                                              sharpRow.Retaken, sharpRow.PeakResidentMiB));

                    foreach (var (name, graph) in new[] { (OnnxRuntime, classifier), (OnnxRuntimeInt8, int8) })
                    {
                        if (graph is null) continue;
                        Log($"== inference, batch {batch}: {name} ({configuration.Description}), {calls} timed calls");
                        using var graphs = new OrtGraphs(configuration, graph, null);
                        int next = 0;
                        void Call() { graphs.Classify(ortImages, next, batch); next = (next + batch) % ortImages.Length; }
                        var timing = BlockTimer.Measure(10, calls, Call, 250, maxOthers, maxRetakes, Log, $"{name} batch {batch}");
                        inferenceRows.Add(new Row($"{name} ({configuration.Name})", "forward", batch, timing.Milliseconds, timing.CoresBusy,
                                                  timing.OthersCores, timing.Retaken, null));
                    }
                }
            }

            if (trainingRows.Count > 0)
            {
                Emit($"## Training step (forward with the true labels, margin + 0.0005 × reconstruction loss, backward, Adam lr 1e-3), {threads} threads\n");
                Emit($"Each row in a process of its own: {warmUp} warm-up steps, then {steps} timed ones, on real MNIST training images with "
                     + "the random ±2 px shift. vs PyTorch = PyTorch eager's median ÷ this row's (> 1: faster than PyTorch).\n");
                Emit(Table(trainingRows, "ms/step median").ToString());
            }
            if (inferenceRows.Count > 0)
            {
                Emit($"## Inference: one forward call of N images, {threads} threads\n");
                Emit("PyTorch and TorchSharp: eval mode, no_grad, the decoder on the longest capsule, the lengths read back, untrained weights "
                     + "(the time does not depend on their values), each row in a process of its own. ONNX Runtime: the shipped model's "
                     + "classifier graph called as the service calls it (lengths, capsules and reconstruction copied out), in the harness's process. "
                     + "images/s = N ÷ median call time; vs PyTorch = PyTorch eager's median ÷ this row's.\n");
                Emit(Table(inferenceRows, "ms/call median").ToString());
            }
            var summary = Ratios.Summary(trainingRows.Concat(inferenceRows).ToList());
            if (summary.Count > 0) Emit("Ratios against PyTorch eager (its time ÷ this one's, same run): " + string.Join("; ", summary) + ".\n");
        }
        finally
        {
            folder.Delete(recursive: true);
        }

        await report.SaveAsync(result.GetValue(Out), cancellationToken);
        return 0;
    }

    private static MarkdownTable Table(IReadOnlyList<Row> rows, string timeHeader)
    {
        var table = new MarkdownTable("implementation", "batch", timeHeader, "p10–p90", "n", "images/s", "vs PyTorch eager",
                                      "cores busy", "others", "retaken", "peak RSS (MiB)");
        foreach (var row in rows)
        {
            var ms = row.Samples;
            table.Add(row.Implementation, Invariant(row.Batch), F2(ms.Median), $"{F2(ms.P10)}–{F2(ms.P90)}", Invariant(ms.Count),
                      row.ImagesPerSecond.ToString("F1", CultureInfo.InvariantCulture), Ratios.Format(Ratios.AgainstPyTorch(rows, row)),
                      F2(row.CoresBusy), F2(row.OthersCores), Invariant(row.Retaken),
                      row.PeakResidentMiB is { } rss ? rss.ToString("F0", CultureInfo.InvariantCulture) : "–");
        }
        return table;
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
    private static string F2(double value) => value.ToString("F2", CultureInfo.InvariantCulture);
    internal static string Sci(double value) => value.ToString("0.0e+0", CultureInfo.InvariantCulture);
}
