using CapsNetService.Common.MultiMnist;
using CapsNetService.Training.Data;
using CapsNetService.Training.TwoDigits;
using CapsNetService.Training.Export;
using static TorchSharp.torch;

namespace CapsNetService.Training.Run;

/// <summary>
/// One run of <c>capsnet-train train</c>, end to end: MNIST → the training loop (<see cref="Trainer"/>: checkpoints,
/// metrics and report every epoch) → the ONNX export of the best checkpoint into the run folder's <c>model/</c> and,
/// when asked, into a models folder.
/// </summary>
public sealed class TrainingRun(TrainOptions options, Device device, ITrainingProgress progress)
{
    /// <summary>The run folder's copy of the exported model.</summary>
    public const string ModelFolder = "model";

    public async Task<(TrainingResult Training, ExportResult? Export)> ExecuteAsync(CancellationToken cancellationToken = default)
    {
        var (train, test) = await MnistDataSource.LoadAsync(options.DataDir, !options.NoDownload, options.MnistMirror,
                                                             progress.Log, cancellationToken);
        progress.Log($"MNIST: {train.Count} training and {test.Count} test images from {Path.GetFullPath(options.DataDir)}");

        if (options.Dataset == TrainingDataset.MultiMnist) return TrainMultiMnist(train, test);

        var training = new Trainer(options, device, progress).Run(train, test);
        progress.RunCompleted(training);
        if (options.NoExport) return (training, null);

        List<string> targets = [Path.Combine(training.RunDirectory, ModelFolder)];
        if (options.Publish is { } models) targets.Add(models);
        // The rejection thresholds are calibrated for a run on the full data; a try-out on a subset is exported without.
        bool fullData = options.LimitTrain is null && options.LimitTest is null;
        var export = OnnxExporter.Export(training.BestCheckpoint, targets, test, options.OnlyIfBetter,
                                         fullData ? train : null, progress.Log);
        progress.Exported(export);
        if (options.TritonRepository is { } triton) progress.Log($"Triton model repository: {TritonRepository.Write(triton, targets[0])}");
        return (training, export);
    }

    private (TrainingResult Training, ExportResult? Export) TrainMultiMnist(Common.Mnist.MnistSet train, Common.Mnist.MnistSet test)
    {
        var sets = PairSets.Load(train, test, options);
        progress.Log($"MultiMNIST: {options.TrainPairs:N0} training pairs per epoch from {MultiMnistSplit.DefaultTrainingDigits:N0} digits, "
                     + $"{sets.Validation.Length:N0} validation pairs, {sets.Test.Length:N0} test pairs");
        var training = new PairTrainer(options, device, progress).Run(sets);
        progress.RunCompleted(training);
        if (options.NoExport) return (training, null);
        if (options.Model != ModelChoice.CapsNet)
        {
            progress.Log("The baseline CNN is the paper's comparison and is not exported; its checkpoints are in the run folder.");
            return (training, null);
        }

        List<string> targets = [Path.Combine(training.RunDirectory, ModelFolder)];
        if (options.Publish is { } models) targets.Add(models);
        var export = OnnxExporter.Export(training.BestCheckpoint, targets, test, options.OnlyIfBetter, calibrationTrain: null, progress.Log);
        progress.Exported(export);
        if (options.TritonRepository is not null) progress.Log("--triton-repository holds the MNIST model only; not written for a MultiMNIST run.");
        return (training, export);
    }
}
