using System.Diagnostics;
using CapsNetService.Common.Mnist;
using CapsNetService.Training.Checkpoints;
using CapsNetService.Training.Data;
using CapsNetService.Training.IO;
using CapsNetService.Training.Model;
using CapsNetService.Training.Reporting;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.Run;

/// <summary>
/// The training loop: Adam on margin + reconstruction loss, one random shift per image, an evaluation on the
/// test set, a checkpoint and a refreshed report after every epoch. A run killed at any point resumes from its
/// last completed epoch with <see cref="TrainOptions.Resume"/>, and continues exactly as if never stopped
/// (shuffling and shifts are seeded by (seed, epoch), Adam's moments are in the checkpoint). With
/// <see cref="TrainOptions.WeightAverageDecay"/> set, a moving average of the weights is kept beside them, and the
/// average is what each epoch evaluates and what the best checkpoint holds.
/// </summary>
public sealed class Trainer(TrainOptions options, Device device, ITrainingProgress progress)
{
    public const string CheckpointFolder = "checkpoints";
    public const string LastCheckpointName = "last.ckpt";
    public const string BestCheckpointName = "best.ckpt";

    private readonly CapsuleLoss loss = new();

    public static string LastCheckpointPath(string runDirectory) => Path.Combine(runDirectory, CheckpointFolder, LastCheckpointName);
    public static string BestCheckpointPath(string runDirectory) => Path.Combine(runDirectory, CheckpointFolder, BestCheckpointName);

    public TrainingResult Run(MnistSet fullTrain, MnistSet fullTest)
    {
        // The held-out images are the last of the whole training set and are never trained on, whatever --limit-train.
        if (options.Validation >= fullTrain.Count)
            throw new ArgumentException($"--validation {options.Validation} leaves no training image: the training set holds {fullTrain.Count}");
        var validation = options.Validation > 0 ? fullTrain.Slice(fullTrain.Count - options.Validation, options.Validation) : null;
        var train = fullTrain.Slice(0, fullTrain.Count - options.Validation).Take(options.LimitTrain);
        var test = fullTest.Take(options.LimitTest);
        var runDirectory = PrepareRunFolder(options, progress);
        using var state = RunState.Open(options, device, progress, runDirectory);
        var model = (CapsNet)state.Model;
        var evaluated = (CapsNet)state.Evaluated;
        var history = state.History;

        var recorded = options.Recorded();
        var run = new RunDescription(recorded, recorded.CommandLine(), TorchRuntime.Describe(device), train.Count, test.Count,
                                     state.StartedAt, state.InitializedFrom?.Describe(), validation?.Count ?? 0);

        for (int epoch = state.FirstEpoch; epoch <= options.Epochs; epoch++)
        {
            double learningRate = options.LearningRate * Math.Pow(options.LearningRateDecay, epoch - 1);
            foreach (var group in state.Optimizer.ParamGroups) group.LearningRate = learningRate;

            var clock = Stopwatch.StartNew();
            var (trainLoss, trainAccuracy) = TrainEpoch(state, model, train, epoch);
            double trainSeconds = clock.Elapsed.TotalSeconds;
            var validated = validation is null
                ? null
                : Evaluate($"Epoch {epoch}/{options.Epochs} validation{(state.Average is null ? "" : " (averaged weights)")}", evaluated, validation);
            var evaluation = Evaluate($"Epoch {epoch}/{options.Epochs} test{(state.Average is null ? "" : " (averaged weights)")}", evaluated, test);
            double? unaveragedAccuracy = state.Average is null
                ? null
                : Evaluate($"Epoch {epoch}/{options.Epochs} test (live weights)", model, test).Accuracy;

            var metrics = new EpochMetrics
            {
                Epoch = epoch,
                LearningRate = learningRate,
                TrainLoss = trainLoss,
                TrainAccuracy = trainAccuracy,
                TestLoss = evaluation.Loss,
                TestAccuracy = evaluation.Accuracy,
                UnaveragedTestAccuracy = unaveragedAccuracy,
                ValidationLoss = validated?.Loss,
                ValidationAccuracy = validated?.Accuracy,
                EpochSeconds = clock.Elapsed.TotalSeconds,
                TrainImagesPerSecond = train.Count / trainSeconds,
            };
            history.Add(metrics);

            state.SaveEpoch(run.Device, best: ReferenceEquals(BestEpoch.Of(history), metrics));
            TrainingReport.Write(runDirectory, run, history, evaluation.Confusion, evaluation.Sample);
            progress.EpochCompleted(metrics, evaluation.Confusion);
        }
        return new TrainingResult(runDirectory, BestCheckpointPath(runDirectory), LastCheckpointPath(runDirectory), history);
    }

    /// <summary>The files by which a folder holds a run; any of them means a previous run is there.</summary>
    private static IReadOnlyList<string> PreviousRunFiles(string runDirectory) =>
        new[] { Path.Combine(CheckpointFolder, LastCheckpointName), Path.Combine(CheckpointFolder, BestCheckpointName),
                MetricsWriter.CsvFileName, MetricsWriter.JsonFileName, HtmlReport.FileName }
            .Where(name => File.Exists(Path.Combine(runDirectory, name))).ToList();

    /// <summary>The run folder, full path, checked (<see cref="RequireFolderFitsTheRequest"/>), created, and cleared of
    /// the temporary files a stopped run left.</summary>
    internal static string PrepareRunFolder(TrainOptions options, ITrainingProgress progress)
    {
        var runDirectory = Path.GetFullPath(options.Output);
        var lastPath = LastCheckpointPath(runDirectory);
        RequireFolderFitsTheRequest(options, runDirectory, lastPath);
        Directory.CreateDirectory(runDirectory);
        foreach (var folder in new[] { runDirectory, Path.GetDirectoryName(lastPath)!, Path.Combine(runDirectory, TrainingRun.ModelFolder) })
            foreach (var stale in TemporaryFiles.DeleteStale(folder, TimeSpan.Zero))
                progress.Log($"Removed {stale}, left in {folder} by a run that was stopped.");
        return runDirectory;
    }

    /// <summary>Stops, before anything in the folder changes, a resume that has no last checkpoint to resume from in a
    /// folder holding a run (it would replace a finished run with a worse one), and a fresh start over a previous run
    /// unless <see cref="TrainOptions.Overwrite"/> asks for it.</summary>
    private static void RequireFolderFitsTheRequest(TrainOptions options, string runDirectory, string lastPath)
    {
        var previous = PreviousRunFiles(runDirectory);
        if (previous.Count == 0 || options.Overwrite) return;
        if (options.Resume && !File.Exists(lastPath))
            throw new InvalidOperationException(
                $"--resume: {runDirectory} holds {string.Join(", ", previous)} but no {CheckpointFolder}/{LastCheckpointName} to resume from; "
                + "nothing was changed (start afresh over it with --overwrite, or from its best epoch in a new folder with --init-from)");
        if (!options.Resume)
            throw new InvalidOperationException(
                $"{runDirectory} holds a previous run ({string.Join(", ", previous)}); nothing was changed "
                + "(continue it with --resume, replace it with --overwrite, or choose another --output folder)");
    }

    private EvaluationResult Evaluate(string title, CapsNet model, MnistSet set)
    {
        EvaluationResult evaluation = null!;
        progress.Track(title, CeilDiv(set.Count, Evaluator.DefaultBatchSize),
                       step => evaluation = Evaluator.Evaluate(model, set, device, loss, onBatch: _ => step("")));
        return evaluation;
    }

    private (double Loss, double Accuracy) TrainEpoch(RunState state, CapsNet model, MnistSet train, int epoch)
    {
        // Shuffling and shifting depend only on (seed, epoch), so a resumed run sees the same batches.
        var random = new Random(EpochSeed(options.Seed, epoch));
        var order = Enumerable.Range(0, train.Count).ToArray();
        random.Shuffle(order);
        return state.TrainEpoch(epoch, train.Count, "acc", "img", (start, count, lossSum, correct) =>
        {
            var (images, labels) = MnistBatch.Create(train, order.AsSpan(start, count), device, options.MaxShift, random);
            OptimisationStep.Run(model, state.Optimizer, loss, images, labels, lossSum, correct);
        });
    }

    /// <summary>The seed of an epoch's shuffle and shifts: the same in every process (HashCode.Combine is randomised
    /// per process, so a resumed run would shuffle differently from the run it continues).</summary>
    internal static int EpochSeed(int seed, int epoch) => unchecked(seed * 1_000_003 + epoch);

    private static int CeilDiv(int a, int b) => (a + b - 1) / b;
}
