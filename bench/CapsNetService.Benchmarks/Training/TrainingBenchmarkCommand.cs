using System.CommandLine;
using System.Globalization;
using CapsNetService.Benchmarks.Measurement;
using static TorchSharp.torch;

namespace CapsNetService.Benchmarks.Training;

/// <summary>
/// <c>training</c>: ms per optimisation step and images/s of the trainer's CapsNet against the naive baseline (and
/// any experiments), all measured in one run, each (implementation, batch size) in a fresh child process that also
/// reports its peak RSS; then forward-only (inference) timings of TorchSharp, for comparison with ONNX Runtime later.
/// </summary>
public static class TrainingBenchmarkCommand
{
    private static readonly Option<int> Steps = new("--steps") { Description = "timed steps per batch size for the trainer and experiments", DefaultValueFactory = _ => 10 };
    private static readonly Option<int> BaselineSteps = new("--baseline-steps") { Description = "timed steps per batch size for the naive baseline (it is slower)", DefaultValueFactory = _ => 5 };
    private static readonly Option<int> WarmUp = new("--warmup") { Description = "untimed steps first, in each row's process", DefaultValueFactory = _ => 2 };
    private static readonly Option<int[]> Batches = new("--batch") { Description = "batch sizes to time (several allowed)", DefaultValueFactory = _ => [32, 100, 200], AllowMultipleArgumentsPerToken = true };
    private static readonly Option<string[]> Implementations = new("--impl") { Description = "implementations: trainer, naive, exp-* experiments, each optionally +mallopt (several allowed)", DefaultValueFactory = _ => [Implementation.Trainer, Implementation.Naive], AllowMultipleArgumentsPerToken = true };
    private static readonly Option<int[]> InferenceBatches = new("--inference-batch") { Description = "batch sizes for the forward-only timing of the trainer's model", DefaultValueFactory = _ => [1, 100], AllowMultipleArgumentsPerToken = true };
    private static readonly Option<int> InferenceRepetitions = new("--inference-reps") { Description = "timed forward passes per inference batch size (0 = skip the forward-only timing)", DefaultValueFactory = _ => 30 };
    private static readonly Option<string[]> InferenceImplementations = new("--inference-impl") { Description = "implementations for the forward-only timing", DefaultValueFactory = _ => [Implementation.Trainer], AllowMultipleArgumentsPerToken = true };
    private static readonly Option<double> MaxOthers = new("--max-others-cores") { Description = "a timed step of 100 ms or more during which other processes used more CPU than this (in cores) is thrown away and taken again", DefaultValueFactory = _ => 0.15 };
    private static readonly Option<int> MaxRetakes = new("--max-retakes") { Description = "at most this many retaken steps per row (then disturbed steps are kept, and the table shows it)", DefaultValueFactory = _ => 5 };
    private static readonly Option<string?> Out = new("--out") { Description = "also write the Markdown results to this file" };
    internal static readonly Option<int> Threads = new("--threads") { Description = "libtorch intra-op threads", DefaultValueFactory = _ => Environment.ProcessorCount };
    internal static readonly Option<string> DataDir = new("--data-dir") { Description = "folder with the MNIST IDX files (.gz or raw); missing ones are downloaded", DefaultValueFactory = _ => "data/mnist" };
    internal static readonly Option<bool> NoDownload = new("--no-download") { Description = "fail instead of downloading missing MNIST files" };
    internal static readonly Option<int> Seed = new("--seed") { Description = "seed for weights, shuffling and shifts", DefaultValueFactory = _ => 42 };

    public static Command Create()
    {
        var command = new Command("training", "Time training steps (trainer vs the naive baseline, same run), peak RSS per row, and forward passes")
        {
            Steps, BaselineSteps, WarmUp, Batches, Implementations, InferenceBatches, InferenceRepetitions, InferenceImplementations,
            MaxOthers, MaxRetakes, Out, Threads, DataDir, NoDownload, Seed,
        };
        command.SetAction(RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        int steps = result.GetValue(Steps), baselineSteps = result.GetValue(BaselineSteps), warmUp = result.GetValue(WarmUp);
        int seed = result.GetValue(Seed), threads = result.GetValue(Threads), inferenceReps = result.GetValue(InferenceRepetitions);
        double maxOthers = result.GetValue(MaxOthers);
        int maxRetakes = result.GetValue(MaxRetakes);
        var batches = result.GetValue(Batches)!;
        var dataDirectory = Path.GetFullPath(result.GetValue(DataDir)!);
        if (steps < 1 || baselineSteps < 1) throw new ArgumentException("--steps and --baseline-steps must be at least 1");
        if (warmUp < 0 || inferenceReps < 0) throw new ArgumentException("--warmup and --inference-reps must not be negative");
        if (threads < 1) throw new ArgumentException("--threads must be at least 1");
        if (batches.Length == 0 || batches.Any(b => b < 1)) throw new ArgumentException("--batch needs positive batch sizes");
        var names = result.GetValue(Implementations)!.ToList();
        if (!names.Contains(Implementation.Trainer)) names.Insert(0, Implementation.Trainer);
        var implementations = names.Distinct().Select(name => Implementation.Find(name, seed)).ToList();
        var inferenceImplementations = result.GetValue(InferenceImplementations)!.Select(name => Implementation.Find(name, seed)).ToList();

        set_num_threads(threads);
        var report = new BenchmarkReport();
        void Emit(string text) => report.Emit(text);
        static void Log(string text) => BenchmarkReport.Log(text);

        report.EmitMachine();

        // Loads (and if need be downloads) MNIST once, here, so that the children only read it.
        var train = await BenchmarkData.LoadTrainingSetAsync(dataDirectory, !result.GetValue(NoDownload), cancellationToken);

        // 1. Same function? Checked before anything is timed.
        var trainer = implementations.First(i => i.Name == Implementation.Trainer);
        var checks = new MarkdownTable("implementation", "max |Δ lengths|", "max |Δ reconstruction|", "|Δ loss|", "‖Δ ∇Conv1‖ / ‖∇Conv1‖", "same function?");
        foreach (var implementation in implementations.Concat(inferenceImplementations).DistinctBy(i => i.Name).Where(i => i.Name != trainer.Name && !i.MallocTuning))
        {
            var check = EquivalenceCheck.Compare(implementation, trainer, train);
            checks.Add(check.Name, Sci(check.LengthsDiff), Sci(check.ReconstructionDiff), Sci(check.LossDiff), Sci(check.GradientRelDiff),
                       check.Agrees ? "yes" : "**NO**");
        }
        Emit("## Same function as the trainer's model (same initial weights, same batch of 8, train mode)\n");
        Emit(checks.ToString());

        // 2. Training steps, one child process per row.
        var rows = new List<RowResult>();
        foreach (int batch in batches)
            foreach (var implementation in implementations)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int repetitions = implementation.Name.StartsWith(Implementation.Naive, StringComparison.Ordinal) ? baselineSteps : steps;
                Log($"== {implementation.Name}, batch {batch}: {warmUp} warm-up + {repetitions} timed steps");
                var row = RowCommand.RunChild(implementation.Name, batch, repetitions, warmUp, forwardOnly: false, threads, dataDirectory, seed, maxOthers, maxRetakes);
                Log($"   median {row.Samples.Median:F0} ms, cores busy {row.CoresBusy:F2}, others {row.OthersCores:F2} cores, "
                    + $"{row.Retaken} retaken, peak RSS {row.PeakResidentMiB:F0} MiB");
                rows.Add(row);
            }
        Emit($"## Training step (batch, forward, loss, backward, Adam), CPU, {threads} threads\n");
        Emit($"Each row in a fresh process: {warmUp} warm-up steps, then {steps} timed steps ({baselineSteps} for the naive baseline). "
             + "Speed-up = naive median ÷ this row's median, measured in the same run. Cores busy = the row's CPU time ÷ wall time "
             + $"over its timed steps (≈ {threads} when nothing else competed for the cores); others = CPU that other processes "
             + $"(and the hypervisor) took meanwhile, in cores; a step during which others took more than {maxOthers} cores was "
             + $"thrown away and taken again (at most {maxRetakes} per row): retaken counts those.\n");
        var table = new MarkdownTable("implementation", "batch", "ms/step median", "p10–p90", "min–max", "n", "images/s",
                                      "speed-up vs naive", "vs trainer", "cores busy", "others", "retaken", "peak RSS (MiB)");
        foreach (var row in rows)
        {
            var ms = row.Samples;
            double? naive = rows.FirstOrDefault(r => r.Batch == row.Batch && r.Implementation == Implementation.Naive)?.Samples.Median;
            double trainerMedian = rows.First(r => r.Batch == row.Batch && r.Implementation == Implementation.Trainer).Samples.Median;
            table.Add(row.Implementation, I(row.Batch), F0(ms.Median), $"{F0(ms.P10)}–{F0(ms.P90)}", $"{F0(ms.Min)}–{F0(ms.Max)}", I(ms.Count),
                      F1(row.Batch / (ms.Median / 1000)), naive is { } n ? $"{n / ms.Median:F2}×" : "–", $"{trainerMedian / ms.Median:F2}×",
                      F2(row.CoresBusy), F2(row.OthersCores), I(row.Retaken), F0(row.PeakResidentMiB));
        }
        Emit(table.ToString());
        Emit("Implementations:\n");
        foreach (var implementation in implementations) Emit($"- `{implementation.Name}`: {implementation.Description}");
        Emit("");

        var memory = new MarkdownTable("batch", "RSS before the first step (MiB)", "peak RSS, VmHWM (MiB)", "peak − before (MiB)");
        foreach (var row in rows.Where(r => r.Implementation == Implementation.Trainer))
            memory.Add(I(row.Batch), F0(row.ResidentBeforeMiB), F0(row.PeakResidentMiB), F0(row.PeakResidentMiB - row.ResidentBeforeMiB));
        Emit("## Trainer's peak resident memory per batch size (its rows above: a fresh process each, warm-up + timed + retaken steps)\n");
        Emit("Whole process: .NET runtime, libtorch, the 60 000 training images (47 MB of bytes), model, Adam state, and the step's tensors.\n");
        Emit(memory.ToString());

        // 3. Forward only, as a service would run it.
        if (inferenceReps > 0 && result.GetValue(InferenceBatches)! is { Length: > 0 } inferenceBatches)
        {
            var inference = new MarkdownTable("implementation", "batch", "ms/forward median", "p10–p90", "p99", "min–max", "n", "images/s",
                                              "cores busy", "others", "retaken");
            foreach (var implementation in inferenceImplementations)
                foreach (int batch in inferenceBatches)
                {
                    int repetitions = batch >= 50 ? Math.Max(5, inferenceReps / 3) : inferenceReps;
                    Log($"== forward only, {implementation.Name}, batch {batch}: {Math.Max(warmUp, 3)} warm-up + {repetitions} timed");
                    var row = RowCommand.RunChild(implementation.Name, batch, repetitions, Math.Max(warmUp, 3), forwardOnly: true, threads, dataDirectory, seed, maxOthers, maxRetakes);
                    var ms = row.Samples;
                    inference.Add(row.Implementation, I(batch), F2(ms.Median), $"{F2(ms.P10)}–{F2(ms.P90)}", F2(ms.P99), $"{F2(ms.Min)}–{F2(ms.Max)}",
                                  I(ms.Count), F1(batch / (ms.Median / 1000)), F2(row.CoresBusy), F2(row.OthersCores), I(row.Retaken));
                }
            Emit($"## Forward only in TorchSharp (eval, no_grad, decoder on the longest capsule, lengths read back), {threads} threads\n");
            Emit("Untrained weights (timing does not depend on their values); the input tensor is built once, outside the timing.\n");
            Emit(inference.ToString());
        }

        await report.SaveAsync(result.GetValue(Out), cancellationToken);
        return 0;
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
    private static string F0(double value) => value.ToString("F0", CultureInfo.InvariantCulture);
    private static string F1(double value) => value.ToString("F1", CultureInfo.InvariantCulture);
    private static string F2(double value) => value.ToString("F2", CultureInfo.InvariantCulture);
    private static string Sci(double value) => value.ToString("0.0e+0", CultureInfo.InvariantCulture);
}
