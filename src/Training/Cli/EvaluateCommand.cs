using CapsNetService.Training.Checkpoints;
using System.CommandLine;
using System.Text.Json;
using CapsNetService.Training.Data;
using CapsNetService.Training.Model;
using CapsNetService.Training.Run;
using Spectre.Console;
using CapsNetService.Training.IO;
using CapsNetService.Common.MultiMnist;
using CapsNetService.Training.TwoDigits;

namespace CapsNetService.Training.Cli;

/// <summary><c>evaluate</c>: a checkpoint on the MNIST test set: accuracy, confusion matrix, per-class accuracy; a
/// MultiMNIST checkpoint on the fixed test pairs: both correct and at least one.</summary>
public static class EvaluateCommand
{
    private static readonly Option<string> CheckpointPath = new("--checkpoint", "-c") { Description = "checkpoint file (.ckpt)", Required = true };
    private static readonly Option<int?> LimitTest = new("--limit-test") { Description = "use only the first N test images (MultiMNIST checkpoints: the first N test pairs)" };
    private static readonly Option<string?> JsonOut = new("--json") { Description = "also write the result as JSON to this file" };

    public static Command Create()
    {
        var command = new Command("evaluate", "Evaluate a checkpoint on the MNIST test set")
        {
            CheckpointPath, LimitTest, JsonOut,
            CommonOptions.DataDir, CommonOptions.NoDownload, CommonOptions.Mirrors, CommonOptions.Device, CommonOptions.LibTorchDir,
        };
        command.SetAction(Run);
        return command;
    }

    private static async Task<int> Run(ParseResult result, CancellationToken cancellationToken)
    {
        var progress = new ConsoleTrainingProgress();
        var device = TorchRuntime.Initialise(result.GetValue(CommonOptions.Device), result.GetValue(CommonOptions.LibTorchDir), progress.Log);
        if (Checkpoint.ReadMetadata(result.GetValue(CheckpointPath)!).Dataset == TrainingDataset.MultiMnist)
            return await RunPairs(result, device, progress, cancellationToken);
        var (model, metadata) = Checkpoint.LoadModel(result.GetValue(CheckpointPath)!, device);
        using var _ = model;
        var (_, fullTest) = await MnistDataSource.LoadAsync(result.GetValue(CommonOptions.DataDir)!, !result.GetValue(CommonOptions.NoDownload),
                                                         result.GetValue(CommonOptions.Mirrors)!, progress.Log, cancellationToken);
        var limit = result.GetValue(LimitTest);
        if (limit is < 1) throw new ArgumentException("--limit-test must be at least 1");
        var test = fullTest.Take(limit);

        EvaluationResult evaluation = null!;
        progress.Track("Evaluating", (test.Count + Evaluator.DefaultBatchSize - 1) / Evaluator.DefaultBatchSize,
                       step => evaluation = Evaluator.Evaluate(model, test, device, new CapsuleLoss(), onBatch: _ => step("")));

        AnsiConsole.MarkupLine($"Checkpoint after epoch {metadata.Epoch}: test accuracy [green]{evaluation.Accuracy:P2}[/] "
                               + $"(error {1 - evaluation.Accuracy:P2}) on {test.Count} images, loss {evaluation.Loss:F5}");
        AnsiConsole.Write(ConsoleTrainingProgress.ConfusionTable(evaluation.Confusion));

        if (result.GetValue(JsonOut) is { } jsonPath)
        {
            var json = JsonSerializer.Serialize(new
            {
                checkpoint = Path.GetFullPath(result.GetValue(CheckpointPath)!),
                epoch = metadata.Epoch,
                images = test.Count,
                accuracy = evaluation.Accuracy,
                loss = evaluation.Loss,
                perClassAccuracy = evaluation.Confusion.PerClassAccuracy(),
                confusion = evaluation.Confusion.ToJagged(),
            }, new JsonSerializerOptions { WriteIndented = true });
            AtomicFile.WriteAllText(jsonPath, json);
        }
        return ExitCodes.Success;
    }

    /// <summary>A MultiMNIST checkpoint (CapsNet or CNN) on the fixed test pairs: both correct and at least one.</summary>
    private static async Task<int> RunPairs(ParseResult result, TorchSharp.torch.Device device, ConsoleTrainingProgress progress,
                                            CancellationToken cancellationToken)
    {
        var path = result.GetValue(CheckpointPath)!;
        var (model, metadata) = Checkpoint.LoadNetwork(path, device);
        using var _ = model;
        var dataDir = result.GetValue(CommonOptions.DataDir)!;
        var (_, fullTest) = await MnistDataSource.LoadAsync(dataDir, !result.GetValue(CommonOptions.NoDownload),
                                                         result.GetValue(CommonOptions.Mirrors)!, progress.Log, cancellationToken);
        var limit = result.GetValue(LimitTest);
        if (limit is < 1) throw new ArgumentException("--limit-test must be at least 1");
        var pairs = MultiMnistSets.Test(fullTest, dataDir).Pairs;
        pairs = pairs[..Math.Min(limit ?? pairs.Length, pairs.Length)];

        PairEvaluation evaluation = null!;
        progress.Track("Evaluating", (pairs.Length + PairEvaluator.DefaultBatchSize - 1) / PairEvaluator.DefaultBatchSize,
                       step => evaluation = PairEvaluator.Evaluate(model, fullTest, pairs, device, new CapsuleLoss(), onBatch: _ => step("")));
        AnsiConsole.MarkupLine($"MultiMNIST {metadata.Model.ToString().ToLowerInvariant()} checkpoint after epoch {metadata.Epoch}: "
                               + $"both correct [green]{evaluation.BothCorrectAccuracy:P2}[/], at least one {evaluation.AtLeastOneAccuracy:P2} "
                               + $"on {pairs.Length:N0} test pairs, loss {evaluation.Loss:F5}");
        if (result.GetValue(JsonOut) is { } jsonPath)
        {
            var json = JsonSerializer.Serialize(new
            {
                checkpoint = Path.GetFullPath(path),
                epoch = metadata.Epoch,
                pairs = pairs.Length,
                bothCorrectAccuracy = evaluation.BothCorrectAccuracy,
                atLeastOneAccuracy = evaluation.AtLeastOneAccuracy,
                loss = evaluation.Loss,
            }, new JsonSerializerOptions { WriteIndented = true });
            AtomicFile.WriteAllText(jsonPath, json);
        }
        return ExitCodes.Success;
    }
}
