using System.Diagnostics;
using CapsNetService.Common.MultiMnist;
using CapsNetService.Training.Checkpoints;
using CapsNetService.Training.Model;
using CapsNetService.Training.Reporting;
using CapsNetService.Training.Run;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.TwoDigits;

/// <summary>
/// The MultiMNIST training loop (Sabour et al. 2017, Section 6), for the CapsNet or the baseline CNN: each epoch trains
/// on <see cref="TrainOptions.TrainPairs"/> pairs drawn afresh with the seed (seed, epoch), evaluates the validation
/// pairs, keeps the best epoch by their both-correct accuracy, and evaluates the test pairs only for an epoch that
/// became the best (so the kept checkpoint always has its test figures, and they never choose anything). Checkpoints,
/// resume, weight averaging, precision and the run folder behave as in <see cref="Trainer"/>.
/// </summary>
public sealed class PairTrainer(TrainOptions options, Device device, ITrainingProgress progress)
{
    private readonly CapsuleLoss loss = new();

    public TrainingResult Run(PairSets sets)
    {
        var trainSplit = MultiMnistSplit.Training(sets.Train);
        var runDirectory = Trainer.PrepareRunFolder(options, progress);
        var lastPath = Trainer.LastCheckpointPath(runDirectory);
        var bestPath = Trainer.BestCheckpointPath(runDirectory);

        manual_seed(options.Seed);
        if (device.type == DeviceType.CUDA) cuda.manual_seed_all(options.Seed);

        nn.Module model;
        InitialWeights? initializedFrom = null;
        var history = new List<EpochMetrics>();
        var startedAt = DateTimeOffset.UtcNow;
        if (options.Resume && File.Exists(lastPath))
        {
            var metadata = Checkpoint.ReadMetadata(lastPath);
            if (options.ResumeConflicts(metadata.Options) is { Count: > 0 } conflicts)
                throw new CheckpointException($"{lastPath} was trained with other settings: {string.Join(", ", conflicts)}; "
                                              + "resume with the run's own values or start a new --output folder");
            model = Checkpoint.LoadNetwork(lastPath, device, options.Precision).Model;
            history.AddRange(metadata.History);
            startedAt = metadata.StartedAt;
            initializedFrom = metadata.InitializedFrom;
            progress.Log($"Resuming from {lastPath}: {metadata.Epoch} epoch(s) done.");
        }
        else
        {
            if (options.Resume) progress.Log($"Nothing to resume in {runDirectory}; starting afresh.");
            if (options.InitFrom is { } initFrom)
            {
                (model, initializedFrom) = InitialWeights.LoadNetwork(initFrom, options, device);
                if (options.Epochs <= initializedFrom.Epochs)
                {
                    model.Dispose();
                    throw new ArgumentException($"--epochs {options.Epochs} counts the {initializedFrom.Epochs} epochs of "
                                                + $"{initializedFrom.Describe()} too; ask for more than {initializedFrom.Epochs}");
                }
                progress.Log($"Starting from {initializedFrom.Describe()}: {Path.GetFullPath(initFrom)}");
            }
            else
            {
                model = Checkpoint.CreateNetwork(options.Model, options.Architecture, options.Precision);
                model.to(device);
            }
        }
        int priorEpochs = initializedFrom?.Epochs ?? 0;

        using var _ = model;
        using var optimizer = optim.Adam(model.parameters(), lr: options.LearningRate);
        if (history.Count > 0 && !Checkpoint.LoadOptimizer(lastPath, optimizer))
            throw new CheckpointException($"{lastPath} holds no optimizer state and cannot be resumed");
        using var average = StartAverage(model, history.Count > 0 ? lastPath : null);

        var recorded = options.Recorded();
        var run = new RunDescription(recorded, recorded.CommandLine(), TorchRuntime.Describe(device), options.TrainPairs,
                                     sets.Test.Length, startedAt, initializedFrom?.Describe(), sets.Validation.Length);
        var noConfusion = new ConfusionMatrix();

        for (int epoch = priorEpochs + history.Count + 1; epoch <= options.Epochs; epoch++)
        {
            double learningRate = options.LearningRate * Math.Pow(options.LearningRateDecay, epoch - 1);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;

            var clock = Stopwatch.StartNew();
            var pairs = trainSplit.Pairs(options.TrainPairs, Trainer.EpochSeed(options.Seed, epoch));
            var (trainLoss, trainAccuracy) = TrainEpoch(model, optimizer, average, sets, pairs, epoch);
            double trainSeconds = clock.Elapsed.TotalSeconds;
            var evaluated = average?.Model ?? model;
            string averaged = average is null ? "" : " (averaged weights)";
            var validated = Evaluate($"Epoch {epoch}/{options.Epochs} validation{averaged}", evaluated, sets.Train, sets.Validation);

            var metrics = new EpochMetrics
            {
                Epoch = epoch,
                LearningRate = learningRate,
                TrainLoss = trainLoss,
                TrainAccuracy = trainAccuracy,
                TestLoss = double.NaN,
                TestAccuracy = double.NaN,
                ValidationLoss = validated.Loss,
                ValidationAccuracy = validated.BothCorrectAccuracy,
                ValidationAtLeastOneAccuracy = validated.AtLeastOneAccuracy,
                EpochSeconds = 0,
                TrainImagesPerSecond = pairs.Length / trainSeconds,
            };
            bool best = ReferenceEquals(BestEpoch.Of([.. history, metrics]), metrics);
            if (best)
            {
                var tested = Evaluate($"Epoch {epoch}/{options.Epochs} test{averaged} (best on validation so far)", evaluated,
                                      sets.TestSource, sets.Test);
                metrics = metrics with
                {
                    TestLoss = tested.Loss,
                    TestAccuracy = tested.BothCorrectAccuracy,
                    TestAtLeastOneAccuracy = tested.AtLeastOneAccuracy,
                };
            }
            metrics = metrics with { EpochSeconds = clock.Elapsed.TotalSeconds };
            history.Add(metrics);

            var checkpointMetadata = new CheckpointMetadata
            {
                Epoch = epoch,
                Architecture = options.Architecture,
                Dataset = options.Dataset,
                Model = options.Model,
                Options = recorded,
                History = history.ToList(),
                Device = run.Device,
                StartedAt = startedAt,
                SavedAt = DateTimeOffset.UtcNow,
                InitializedFrom = initializedFrom,
            };
            // Best first: if the run dies between the two writes, "last" still names the previous epoch.
            if (best) Checkpoint.Save(bestPath, evaluated, checkpointMetadata, optimizer: null);
            Checkpoint.Save(lastPath, model, checkpointMetadata, optimizer, average?.Model);
            TrainingReport.Write(runDirectory, run, history, noConfusion, sample: null, validated.Sample);
            progress.EpochCompleted(metrics, noConfusion);
        }
        return new TrainingResult(runDirectory, bestPath, lastPath, history);
    }

    private PairEvaluation Evaluate(string title, nn.Module model, Common.Mnist.MnistSet source, MultiMnistPair[] pairs)
    {
        PairEvaluation evaluation = null!;
        progress.Track(title, CeilDiv(pairs.Length, PairEvaluator.DefaultBatchSize),
                       step => evaluation = PairEvaluator.Evaluate(model, source, pairs, device, loss, onBatch: _ => step("")));
        return evaluation;
    }

    private WeightAverage<nn.Module>? StartAverage(nn.Module model, string? resumedFrom)
    {
        if (options.WeightAverageDecay == 0) return null;
        nn.Module Create() => Checkpoint.CreateNetwork(options.Model, options.Architecture);
        var average = new WeightAverage<nn.Module>(model, Create, options.WeightAverageDecay, device);
        if (resumedFrom is not null && !Checkpoint.LoadAverage(resumedFrom, average.Model, Create))
            progress.Log($"{resumedFrom} holds no weight average; averaging starts again from its weights.");
        return average;
    }

    private (double Loss, double BothCorrect) TrainEpoch(nn.Module model, optim.Optimizer optimizer,
                                                         WeightAverage<nn.Module>? average, PairSets sets,
                                                         MultiMnistPair[] pairs, int epoch)
    {
        model.train();
        int batches = CeilDiv(pairs.Length, options.BatchSize);
        using var lossSum = zeros(1, dtype: float64, device: device);
        using var correct = zeros(1, dtype: int64, device: device);
        int seen = 0;
        var clock = Stopwatch.StartNew();
        progress.Track($"Epoch {epoch}/{options.Epochs} train", batches, step =>
        {
            for (int b = 0; b < batches; b++)
            {
                using var scope = NewDisposeScope();
                int start = b * options.BatchSize, count = Math.Min(options.BatchSize, pairs.Length - start);
                using var batch = PairBatch.Create(sets.Train, pairs.AsSpan(start, count), device);
                PairNetwork.Step(model, optimizer, loss, batch, lossSum, correct);
                average?.Update();
                seen += count;
                // Reading values back synchronises with the GPU; do it only now and then.
                if (b % 10 == 9 || b == batches - 1)
                    step($"loss {lossSum.item<double>() / seen:F4}  both {100.0 * correct.item<long>() / seen:F2}%  "
                         + $"{seen / clock.Elapsed.TotalSeconds:F0} pairs/s");
                else
                    step("");
            }
        });
        return (lossSum.item<double>() / seen, (double)correct.item<long>() / seen);
    }

    private static int CeilDiv(int a, int b) => (a + b - 1) / b;
}
