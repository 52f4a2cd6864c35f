using System.CommandLine;
using CapsNetService.Common;
using CapsNetService.Training.Data;
using CapsNetService.Training.Export;
using CapsNetService.Training.Run;
using CapsNetService.Training.Checkpoints;
using CapsNetService.Training.Model;
using CapsNetService.Training.TwoDigits;
using CapsNetService.Common.Mnist;
using CapsNetService.Common.MultiMnist;

namespace CapsNetService.Training.Cli;

/// <summary><c>export</c>: a checkpoint → models/capsnet.onnx (+ decoder and metadata), checked under ONNX Runtime.</summary>
public static class ExportCommand
{
    private static readonly Option<string> CheckpointPath = new("--checkpoint", "-c") { Description = "checkpoint file (.ckpt), e.g. runs/latest/checkpoints/best.ckpt", Required = true };
    private static readonly Option<string> Out = new("--out")
    {
        Description = $"where to publish: a models folder, or a path ending in {ModelContract.ModelFileName} (its folder is used)",
        DefaultValueFactory = _ => "models",
    };
    private static readonly Option<bool> Int8 = new("--int8")
    {
        Description = $"also write {ModelContract.Int8ModelFileName} (as `quantize` does; needs the MNIST training and test sets in --data-dir)",
    };

    private static readonly Option<int?> TestPairs = new("--test-pairs")
    {
        Description = "MultiMNIST: measure the checkpoint on the first N pairs of the fixed test set and record those figures "
                      + "(default: the figures its training run measured, on the run's --test-pairs)",
    };

    public static Command Create()
    {
        var command = new Command("export", "Export a checkpoint to ONNX and publish it atomically into a models folder")
        {
            CheckpointPath, Out, CommonOptions.OnlyIfBetter, CommonOptions.DataDir, CommonOptions.LibTorchDir, CommonOptions.TritonRepository, Int8, QuantizeCommand.CalibrationImages, TestPairs,
        };
        command.SetAction(result =>
        {
            // Exports run on the CPU, but a host whose only libtorch is a PyTorch's (a GPU host) must load that one.
            TorchRuntime.Initialise(DeviceChoice.Cpu, result.GetValue(CommonOptions.LibTorchDir), Console.Error.WriteLine);
            var outPath = result.GetValue(Out)!;
            var directory = outPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? Path.GetDirectoryName(Path.GetFullPath(outPath))! : outPath;
            // Real test digits for the parity check when the MNIST folder is at hand; random images otherwise. With the
            // training set there too, the rejection thresholds are calibrated (as `calibrate` does).
            var dataDir = result.GetValue(CommonOptions.DataDir)!;
            var both = MnistDataSource.BothIfPresent(dataDir);
            var progress = new ConsoleTrainingProgress();
            var test = both?.Test ?? MnistDataSource.TestSetIfPresent(dataDir);
            var pairTest = result.GetValue(TestPairs) is { } count ? MeasurePairs(result.GetValue(CheckpointPath)!, test, dataDir, count, progress) : null;
            var export = OnnxExporter.Export(result.GetValue(CheckpointPath)!, [directory], test,
                                             onlyIfBetter: result.GetValue(CommonOptions.OnlyIfBetter),
                                             calibrationTrain: both?.Train, log: progress.Log, pairTest: pairTest);
            progress.Exported(export);
            if (export.Metadata.Rejection is { } rejection) CalibrateCommand.Print(rejection);
            if (result.GetValue(Int8))
            {
                if (both is not { } sets) throw new ArgumentException($"--int8 needs the MNIST training and test sets in {dataDir}");
                if (export.Directories.Count == 0) Console.WriteLine("int8: the folder kept its better model; it is quantized instead");
                QuantizeCommand.Publish(directory, sets.Train, sets.Test, result.GetValue(QuantizeCommand.CalibrationImages), progress.Log);
            }
            // The folder's model: the one just exported, or the better one --only-if-better kept there.
            if (result.GetValue(CommonOptions.TritonRepository) is { } triton)
                Console.WriteLine(export.Metadata.KindOrDefault == ModelKinds.Mnist
                    ? $"Triton model repository: {TritonRepository.Write(triton, directory)}"
                    : "--triton-repository holds the MNIST model only; not written for a MultiMNIST model.");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The MultiMNIST checkpoint on the first <paramref name="count"/> fixed test pairs, on the CPU.</summary>
    private static PairTestFigures MeasurePairs(string checkpointPath, MnistSet? test, string dataDir, int count, ConsoleTrainingProgress progress)
    {
        if (count < 1) throw new ArgumentException("--test-pairs must be at least 1");
        if (Checkpoint.ReadMetadata(checkpointPath).Dataset != TrainingDataset.MultiMnist)
            throw new ArgumentException("--test-pairs is for a MultiMNIST checkpoint; an MNIST model is measured on the MNIST test set");
        if (test is null) throw new ArgumentException($"--test-pairs needs the MNIST test set in {dataDir}");
        var pairs = MultiMnistSets.Test(test, dataDir).Pairs;
        if (count > pairs.Length) throw new ArgumentException($"--test-pairs {count}: the fixed test set holds {pairs.Length} pairs");
        var (model, _) = Checkpoint.LoadNetwork(checkpointPath, TorchSharp.torch.CPU);
        using var _ = model;
        PairEvaluation evaluation = null!;
        progress.Track($"Test pairs ({count:N0})", (count + PairEvaluator.DefaultBatchSize - 1) / PairEvaluator.DefaultBatchSize,
                       step => evaluation = PairEvaluator.Evaluate(model, test, pairs.AsSpan(0, count), TorchSharp.torch.CPU, new CapsuleLoss(),
                                                                   onBatch: _ => step("")));
        progress.Log($"Test pairs: both correct {evaluation.BothCorrectAccuracy:P2}, at least one {evaluation.AtLeastOneAccuracy:P2} on {count:N0}");
        return new PairTestFigures(count, evaluation.BothCorrectAccuracy, evaluation.AtLeastOneAccuracy);
    }
}
