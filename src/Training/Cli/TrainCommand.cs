using System.CommandLine;
using CapsNetService.Training.Data;
using CapsNetService.Training.Export;
using CapsNetService.Training.Model;
using CapsNetService.Training.Training;
using Spectre.Console;

namespace CapsNetService.Training.Cli;

/// <summary><c>train</c>: trains a CapsNet, writing checkpoints, metrics and the report into the output folder.</summary>
public static class TrainCommand
{
    private static readonly TrainingOptions Defaults = new();

    private static readonly Option<int> Epochs = new("--epochs") { Description = "epochs to train", DefaultValueFactory = _ => Defaults.Epochs };
    private static readonly Option<int> BatchSize = new("--batch-size") { Description = "images per optimisation step", DefaultValueFactory = _ => Defaults.BatchSize };
    private static readonly Option<int> Routing = new("--routing-iterations") { Description = "routing-by-agreement iterations", DefaultValueFactory = _ => Defaults.RoutingIterations };
    private static readonly Option<double> LearningRate = new("--learning-rate", "--lr") { Description = "Adam's learning rate", DefaultValueFactory = _ => Defaults.LearningRate };
    private static readonly Option<double> Decay = new("--lr-decay") { Description = "learning-rate factor applied after every epoch (1 = none; 0.9 as in CapsNet-Keras)", DefaultValueFactory = _ => Defaults.LearningRateDecay };
    private static readonly Option<int> MaxShift = new("--max-shift") { Description = "largest random shift of a training image, in pixels", DefaultValueFactory = _ => Defaults.MaxShift };
    private static readonly Option<int> Seed = new("--seed") { Description = "random seed (weights, shuffling, shifts)", DefaultValueFactory = _ => Defaults.Seed };
    private static readonly Option<string> Output = new("--output", "-o") { Description = "run folder: checkpoints, metrics, report, exported model", DefaultValueFactory = _ => Defaults.OutputDirectory };
    private static readonly Option<int?> LimitTrain = new("--limit-train") { Description = "use only the first N training images (quick runs)" };
    private static readonly Option<int?> LimitTest = new("--limit-test") { Description = "use only the first N test images (quick runs)" };
    private static readonly Option<bool> Resume = new("--resume") { Description = "continue from the output folder's last checkpoint" };
    private static readonly Option<string?> InitFrom = new("--init-from") { Description = "start from these weights instead of random ones: a published capsnet.onnx or a checkpoint; --epochs and the learning-rate schedule count its epochs" };
    private static readonly Option<ConvolutionPrecision> Precision = new("--precision") { Description = "what the convolutions compute in while training: fp32, or bf16 (mixed precision, about 2x faster on CPUs with AVX512_BF16 and on GPUs); evaluation and export are always fp32", DefaultValueFactory = _ => Defaults.Precision };
    private static readonly Option<double> EmaDecay = new("--ema-decay") { Description = "keep a moving average of the weights, updated after every step with this decay (e.g. 0.9998, an average over about the last 5,000 steps); the average is what is evaluated, kept as best and exported. 0 = off", DefaultValueFactory = _ => Defaults.WeightAverageDecay };
    private static readonly Option<bool> NoExport = new("--no-export") { Description = "do not export the best checkpoint to ONNX at the end" };
    private static readonly Option<string?> Publish = new("--publish") { Description = "also publish the exported model into this models folder (e.g. models), atomically" };

    public static Command Create()
    {
        var command = new Command("train", "Train a CapsNet on MNIST")
        {
            Epochs, BatchSize, Routing, LearningRate, Decay, MaxShift, Seed, Output, LimitTrain, LimitTest, Resume, InitFrom, Precision, EmaDecay, NoExport, Publish, ExportCommand.OnlyIfBetter,
            CommonOptions.DataDir, CommonOptions.NoDownload, CommonOptions.Mirrors, CommonOptions.Device, CommonOptions.LibTorchDir,
        };
        command.SetAction(Run);
        return command;
    }

    private static async Task<int> Run(ParseResult result, CancellationToken cancellationToken)
    {
        var options = new TrainingOptions
        {
            DataDirectory = result.GetValue(CommonOptions.DataDir)!,
            Download = !result.GetValue(CommonOptions.NoDownload),
            Mirrors = CommonOptions.MirrorsOrDefault(result),
            OutputDirectory = result.GetValue(Output)!,
            Epochs = result.GetValue(Epochs),
            BatchSize = result.GetValue(BatchSize),
            RoutingIterations = result.GetValue(Routing),
            LearningRate = result.GetValue(LearningRate),
            LearningRateDecay = result.GetValue(Decay),
            MaxShift = result.GetValue(MaxShift),
            Seed = result.GetValue(Seed),
            LimitTrain = result.GetValue(LimitTrain),
            LimitTest = result.GetValue(LimitTest),
            Resume = result.GetValue(Resume),
            InitFrom = result.GetValue(InitFrom),
            Precision = result.GetValue(Precision),
            WeightAverageDecay = result.GetValue(EmaDecay),
            ExportOnnx = !result.GetValue(NoExport),
            PublishDirectory = result.GetValue(Publish),
            PublishOnlyIfBetter = result.GetValue(ExportCommand.OnlyIfBetter),
        };
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            foreach (var problem in problems) AnsiConsole.MarkupLine($"[red]{Markup.Escape(problem)}[/]");
            return ExitCodes.BadArguments;
        }

        // Fail before training, not after the first epoch (or, for --publish, after the whole run).
        WritableFolder.Require(options.OutputDirectory, "--output");
        if (options.PublishDirectory is { } publishTo) WritableFolder.Require(publishTo, "--publish");

        var progress = new ConsoleTrainingProgress();
        var device = TorchRuntime.Initialise(result.GetValue(CommonOptions.Device), result.GetValue(CommonOptions.LibTorchDir), progress.Log);
        progress.Log($"Device: {TorchRuntime.Describe(device)}");
        var (train, test) = await MnistDataSource.LoadAsync(options.DataDirectory, options.Download, options.Mirrors,
                                                             progress.Log, cancellationToken);
        progress.Log($"MNIST: {train.Count} training and {test.Count} test images from {Path.GetFullPath(options.DataDirectory)}");

        var command = "capsnet-train " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));
        var outcome = new Trainer(options, device, progress).Run(train, test, command);

        var best = BestEpoch.Of(outcome.History)!;
        AnsiConsole.MarkupLine($"Best test accuracy [green]{best.TestAccuracy:P2}[/] (error {best.TestError:P2}) at epoch {best.Epoch}.");
        AnsiConsole.MarkupLine($"Report: {Markup.Escape(Path.Combine(outcome.RunDirectory, Reporting.HtmlReport.FileName))}");
        AnsiConsole.MarkupLine($"Best checkpoint: {Markup.Escape(outcome.BestCheckpoint)}");
        if (options.ExportOnnx)
        {
            List<string> targets = [Path.Combine(outcome.RunDirectory, "model")];
            if (options.PublishDirectory is { } models) targets.Add(models);
            var export = OnnxExporter.Export(outcome.BestCheckpoint, targets, ExportCommand.CheckImages(test), command,
                                             options.PublishOnlyIfBetter);
            ExportCommand.Report(export);
        }
        return ExitCodes.Success;
    }
}
