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
        var lastPath = LastCheckpointPath(runDirectory);
        var bestPath = BestCheckpointPath(runDirectory);

        manual_seed(options.Seed);
        if (device.type == DeviceType.CUDA) cuda.manual_seed_all(options.Seed);

        CapsNet model;
        InitialWeights? initializedFrom = null;
        var history = new List<EpochMetrics>();
        var startedAt = DateTimeOffset.UtcNow;
        if (options.Resume && File.Exists(lastPath))
        {
            var metadata = Checkpoint.ReadMetadata(lastPath);
            if (options.ResumeConflicts(metadata.Options) is { Count: > 0 } conflicts)
                throw new CheckpointException($"{lastPath} was trained with other settings: {string.Join(", ", conflicts)}; "
                                              + "resume with the run's own values or start a new --output folder");
            model = Checkpoint.LoadModel(lastPath, device, options.Precision).Model;
            history.AddRange(metadata.History);
            startedAt = metadata.StartedAt;
            initializedFrom = metadata.InitializedFrom;
            progress.Log($"Resuming from {lastPath}: {metadata.Epoch} epoch(s) done.");
            if (options.InitFrom is not null)
                progress.Log($"--init-from is not used: the run being resumed started from {initializedFrom?.Describe() ?? "random weights"}.");
        }
        else
        {
            if (options.Resume) progress.Log($"Nothing to resume in {runDirectory}; starting afresh.");
            if (options.InitFrom is { } initFrom)
                (model, initializedFrom) = LoadInitialWeights(initFrom);
            else
                model = new CapsNet(options.Architecture, options.Precision).to(device);
        }
        // A model trained for E epochs goes on at epoch E + 1, with that epoch's learning rate.
        int priorEpochs = initializedFrom?.Epochs ?? 0;

        using var _ = model;
        using var optimizer = optim.Adam(model.parameters(), lr: options.LearningRate);
        if (history.Count > 0 && !Checkpoint.LoadOptimizer(lastPath, optimizer))
            throw new CheckpointException($"{lastPath} holds no optimizer state and cannot be resumed");
        using var average = StartAverage(model, history.Count > 0 ? lastPath : null);

        var recorded = options.Recorded();
        var run = new RunDescription(recorded, recorded.CommandLine(), TorchRuntime.Describe(device), train.Count, test.Count,
                                     startedAt, initializedFrom?.Describe(), validation?.Count ?? 0);

        for (int epoch = priorEpochs + history.Count + 1; epoch <= options.Epochs; epoch++)
        {
            double learningRate = options.LearningRate * Math.Pow(options.LearningRateDecay, epoch - 1);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;

            var clock = Stopwatch.StartNew();
            var (trainLoss, trainAccuracy) = TrainEpoch(model, optimizer, average, train, epoch);
            double trainSeconds = clock.Elapsed.TotalSeconds;
            var evaluated = average?.Model ?? model;
            var validated = validation is null
                ? null
                : Evaluate($"Epoch {epoch}/{options.Epochs} validation{(average is null ? "" : " (averaged weights)")}", evaluated, validation);
            var evaluation = Evaluate($"Epoch {epoch}/{options.Epochs} test{(average is null ? "" : " (averaged weights)")}", evaluated, test);
            double? unaveragedAccuracy = average is null
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

            var checkpointMetadata = new CheckpointMetadata
            {
                Epoch = epoch,
                Architecture = options.Architecture,
                Options = recorded,
                History = history.ToList(),
                Device = run.Device,
                StartedAt = startedAt,
                SavedAt = DateTimeOffset.UtcNow,
                InitializedFrom = initializedFrom,
            };
            // Best first: if the run dies between the two writes, "last" still names the previous epoch.
            if (ReferenceEquals(BestEpoch.Of(history), metrics))
                Checkpoint.Save(bestPath, evaluated, checkpointMetadata, optimizer: null);
            Checkpoint.Save(lastPath, model, checkpointMetadata, optimizer, average?.Model);
            TrainingReport.Write(runDirectory, run, history, evaluation.Confusion, evaluation.Sample);
            progress.EpochCompleted(metrics, evaluation.Confusion);
        }
        return new TrainingResult(runDirectory, bestPath, lastPath, history);
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

    /// <summary>The moving average of the weights, when the options ask for one: the resumed run's, or a new one
    /// starting at the model's weights.</summary>
    private WeightAverage? StartAverage(CapsNet model, string? resumedFrom)
    {
        if (options.WeightAverageDecay == 0) return null;
        var average = new WeightAverage(model, options.WeightAverageDecay, device);
        if (resumedFrom is not null && !Checkpoint.LoadAverage(resumedFrom, average.Model))
            progress.Log($"{resumedFrom} holds no weight average; averaging starts again from its weights.");
        return average;
    }

    private (CapsNet Model, InitialWeights Source) LoadInitialWeights(string path)
    {
        var (model, source) = InitialWeights.Load(path, options.Architecture, options.Precision, device);
        if (options.Epochs <= source.Epochs)
        {
            model.Dispose();
            throw new ArgumentException($"--epochs {options.Epochs} counts the {source.Epochs} epochs of {source.Describe()} too; "
                                        + $"ask for more than {source.Epochs}");
        }
        progress.Log($"Starting from {source.Describe()}: {Path.GetFullPath(path)}");
        return (model, source);
    }

    private (double Loss, double Accuracy) TrainEpoch(CapsNet model, optim.Optimizer optimizer, WeightAverage? average,
                                                      MnistSet train, int epoch)
    {
        model.train();
        // Shuffling and shifting depend only on (seed, epoch), so a resumed run sees the same batches.
        var random = new Random(EpochSeed(options.Seed, epoch));
        var order = Enumerable.Range(0, train.Count).ToArray();
        random.Shuffle(order);
        int batches = CeilDiv(train.Count, options.BatchSize);

        using var lossSum = zeros(1, dtype: float64, device: device);
        using var correct = zeros(1, dtype: int64, device: device);
        int seen = 0;
        var clock = Stopwatch.StartNew();
        progress.Track($"Epoch {epoch}/{options.Epochs} train", batches, step =>
        {
            for (int b = 0; b < batches; b++)
            {
                using var scope = NewDisposeScope();
                int start = b * options.BatchSize, count = Math.Min(options.BatchSize, train.Count - start);
                var (images, labels) = MnistBatch.Create(train, order.AsSpan(start, count), device, options.MaxShift, random);
                OptimisationStep.Run(model, optimizer, loss, images, labels, lossSum, correct);
                average?.Update();
                seen += count;
                // Reading values back synchronises with the GPU; do it only now and then.
                if (b % 10 == 9 || b == batches - 1)
                    step($"loss {lossSum.item<double>() / seen:F4}  acc {100.0 * correct.item<long>() / seen:F2}%  "
                         + $"{seen / clock.Elapsed.TotalSeconds:F0} img/s");
                else
                    step("");
            }
        });
        return (lossSum.item<double>() / seen, (double)correct.item<long>() / seen);
    }

    /// <summary>The seed of an epoch's shuffle and shifts: the same in every process (HashCode.Combine is randomised
    /// per process, so a resumed run would shuffle differently from the run it continues).</summary>
    internal static int EpochSeed(int seed, int epoch) => unchecked(seed * 1_000_003 + epoch);

    private static int CeilDiv(int a, int b) => (a + b - 1) / b;
}
