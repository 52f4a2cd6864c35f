using System.Diagnostics;
using CapsNetService.Training.Checkpoints;
using CapsNetService.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.Run;

/// <summary>
/// What a run carries from epoch to epoch, the same for every dataset and network: it starts from the resumed run's
/// weights, history, start time, Adam moments and weight average (a resume whose settings would change the run is
/// refused) or from new weights, random or <see cref="TrainOptions.InitFrom"/>; it trains an epoch batch by batch,
/// and writes the two checkpoints after each epoch.
/// </summary>
internal sealed class RunState : IDisposable
{
    private readonly TrainOptions options;
    private readonly Device device;
    private readonly ITrainingProgress progress;
    private readonly string lastPath, bestPath;

    private RunState(TrainOptions options, Device device, ITrainingProgress progress, string runDirectory, nn.Module model, List<EpochMetrics> history,
                     DateTimeOffset startedAt, InitialWeights? initializedFrom)
    {
        this.options = options;
        this.device = device;
        this.progress = progress;
        lastPath = Trainer.LastCheckpointPath(runDirectory);
        bestPath = Trainer.BestCheckpointPath(runDirectory);
        Model = model;
        History = history;
        StartedAt = startedAt;
        InitializedFrom = initializedFrom;
        Optimizer = optim.Adam(model.parameters(), lr: options.LearningRate);
    }

    /// <summary>The live weights, trained by <see cref="Optimizer"/>.</summary>
    public nn.Module Model { get; }
    public optim.Optimizer Optimizer { get; }
    /// <summary>The moving average of the weights; null when the options ask for none.</summary>
    public WeightAverage<nn.Module>? Average { get; private set; }
    /// <summary>The weights each epoch evaluates and the best checkpoint keeps: the average when there is one.</summary>
    public nn.Module Evaluated => Average?.Model ?? Model;
    public List<EpochMetrics> History { get; }
    public DateTimeOffset StartedAt { get; }
    public InitialWeights? InitializedFrom { get; }
    /// <summary>A model trained for E epochs goes on at epoch E + 1, with that epoch's learning rate.</summary>
    public int FirstEpoch => (InitializedFrom?.Epochs ?? 0) + History.Count + 1;

    public static RunState Open(TrainOptions options, Device device, ITrainingProgress progress, string runDirectory)
    {
        manual_seed(options.Seed);
        if (device.type == DeviceType.CUDA) cuda.manual_seed_all(options.Seed);

        var lastPath = Trainer.LastCheckpointPath(runDirectory);
        RunState start;
        if (options.Resume && File.Exists(lastPath))
        {
            var metadata = Checkpoint.ReadMetadata(lastPath);
            if (options.ResumeConflicts(metadata.Options) is { Count: > 0 } conflicts)
                throw new CheckpointException($"{lastPath} was trained with other settings: {string.Join(", ", conflicts)}; "
                                              + "resume with the run's own values or start a new --output folder");
            var model = Checkpoint.LoadNetwork(lastPath, device, options.Precision).Model;
            start = new RunState(options, device, progress, runDirectory, model, [.. metadata.History], metadata.StartedAt, metadata.InitializedFrom);
            if (!Checkpoint.LoadOptimizer(lastPath, start.Optimizer))
            {
                start.Dispose();
                throw new CheckpointException($"{lastPath} holds no optimizer state and cannot be resumed");
            }
            progress.Log($"Resuming from {lastPath}: {metadata.Epoch} epoch(s) done.");
            if (options.InitFrom is not null)
                progress.Log($"--init-from is not used: the run being resumed started from {metadata.InitializedFrom?.Describe() ?? "random weights"}.");
        }
        else
        {
            if (options.Resume) progress.Log($"Nothing to resume in {runDirectory}; starting afresh.");
            nn.Module model;
            InitialWeights? initializedFrom = null;
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
            start = new RunState(options, device, progress, runDirectory, model, [], DateTimeOffset.UtcNow, initializedFrom);
        }
        start.StartAverage(resumedFrom: start.History.Count > 0 ? lastPath : null);
        return start;
    }

    /// <summary>Trains the live weights on one epoch of <paramref name="count"/> examples in batches of the options' size,
    /// folding each step into the average; <paramref name="step"/> takes the batch (start, count) and adds its loss sum
    /// and correct count to the two device tensors it is given.</summary>
    /// <returns>The epoch's mean loss and accuracy.</returns>
    public (double Loss, double Accuracy) TrainEpoch(int epoch, int count, string accuracyName, string unit,
                                                     Action<int, int, Tensor, Tensor> step)
    {
        Model.train();
        int batchSize = options.BatchSize, batches = (count + batchSize - 1) / batchSize;
        using var lossSum = zeros(1, dtype: float64, device: device);
        using var correct = zeros(1, dtype: int64, device: device);
        int seen = 0;
        var clock = Stopwatch.StartNew();
        progress.Track($"Epoch {epoch}/{options.Epochs} train", batches, report =>
        {
            for (int b = 0; b < batches; b++)
            {
                using var scope = NewDisposeScope();
                int start = b * batchSize, size = Math.Min(batchSize, count - start);
                step(start, size, lossSum, correct);
                Average?.Update();
                seen += size;
                // Reading values back synchronises with the GPU; do it only now and then.
                if (b % 10 == 9 || b == batches - 1)
                    report($"loss {lossSum.item<double>() / seen:F4}  {accuracyName} {100.0 * correct.item<long>() / seen:F2}%  "
                           + $"{seen / clock.Elapsed.TotalSeconds:F0} {unit}/s");
                else
                    report("");
            }
        });
        return (lossSum.item<double>() / seen, (double)correct.item<long>() / seen);
    }

    /// <summary>Writes the epoch just added to <see cref="History"/>: the best checkpoint when it is the best, then the
    /// last (best first: if the run dies between the two writes, "last" still names the previous epoch).</summary>
    public void SaveEpoch(string deviceDescription, bool best)
    {
        var metadata = new CheckpointMetadata
        {
            Epoch = History[^1].Epoch,
            Architecture = options.Architecture,
            Dataset = options.Dataset,
            Model = options.Model,
            Options = options.Recorded(),
            History = History.ToList(),
            Device = deviceDescription,
            StartedAt = StartedAt,
            SavedAt = DateTimeOffset.UtcNow,
            InitializedFrom = InitializedFrom,
        };
        if (best) Checkpoint.Save(bestPath, Evaluated, metadata, optimizer: null);
        Checkpoint.Save(lastPath, Model, metadata, Optimizer, Average?.Model);
    }

    /// <summary>The moving average of the weights, when the options ask for one: the resumed run's, or a new one
    /// starting at the model's weights.</summary>
    private void StartAverage(string? resumedFrom)
    {
        if (options.WeightAverageDecay == 0) return;
        nn.Module Create() => Model is CapsNet capsNet
            ? new CapsNet(capsNet.Architecture)
            : Checkpoint.CreateNetwork(options.Model, options.Architecture);
        Average = new WeightAverage<nn.Module>(Model, Create, options.WeightAverageDecay, device);
        if (resumedFrom is not null && !Checkpoint.LoadAverage(resumedFrom, Average.Model, Create))
            progress.Log($"{resumedFrom} holds no weight average; averaging starts again from its weights.");
    }

    public void Dispose()
    {
        Average?.Dispose();
        Optimizer.Dispose();
        Model.Dispose();
    }
}
