using System.CommandLine;
using CapsNetService.Common;
using CapsNetService.Common.Mnist;
using CapsNetService.Training.Data;
using CapsNetService.Training.Export;
using Spectre.Console;

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

    public static readonly Option<bool> OnlyIfBetter = new("--only-if-better")
    {
        Description = "leave a models folder alone when the model it holds claims at least this one's test accuracy",
    };

    public static Command Create()
    {
        var command = new Command("export", "Export a checkpoint to ONNX and publish it atomically into a models folder")
        {
            CheckpointPath, Out, OnlyIfBetter, CommonOptions.DataDir,
        };
        command.SetAction(result =>
        {
            var outPath = result.GetValue(Out)!;
            var directory = outPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? Path.GetDirectoryName(Path.GetFullPath(outPath))! : outPath;
            var export = OnnxExporter.Export(result.GetValue(CheckpointPath)!, [directory], RealCheckImages(result.GetValue(CommonOptions.DataDir)!),
                                             onlyIfBetter: result.GetValue(OnlyIfBetter));
            Report(export);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Real test digits for the export check when the MNIST folder is at hand; otherwise random images are used.</summary>
    public static float[]? RealCheckImages(string dataDirectory)
    {
        var images = MnistFiles.Find(dataDirectory, MnistFiles.TestImages);
        var labels = MnistFiles.Find(dataDirectory, MnistFiles.TestLabels);
        if (images is null || labels is null) return null;
        return CheckImages(MnistIdxReader.ReadSet(images, labels));
    }

    /// <summary>The first test digits of a set already in memory, for the export check.</summary>
    public static float[] CheckImages(MnistSet test) => test.ModelInput(0, Math.Min(OnnxExporter.CheckImages, test.Count));

    public static void Report(ExportResult export)
    {
        if (export.Directories.Count > 0)
            AnsiConsole.MarkupLine($"Exported model [green]{Markup.Escape(export.Metadata.ModelVersion)}[/] "
                                   + $"(test accuracy {export.Metadata.TestAccuracy:P2}) into {Markup.Escape(string.Join(", ", export.Directories))}: "
                                   + $"{ModelContract.ModelFileName} {export.ClassifierBytes / 1e6:F1} MB, {ModelContract.DecoderFileName} {export.DecoderBytes / 1e6:F1} MB");
        foreach (var (directory, published) in export.KeptBetter)
            AnsiConsole.MarkupLine($"[yellow]Not published into {Markup.Escape(directory)}[/]: it holds {Markup.Escape(published.ModelVersion)} "
                                   + $"(test accuracy {published.TestAccuracy:P2}), at least as accurate as {Markup.Escape(export.Metadata.ModelVersion)} "
                                   + $"({export.Metadata.TestAccuracy:P2}).");
        AnsiConsole.MarkupLine($"[grey]ONNX Runtime check: {Markup.Escape(export.Parity.ToString())}[/]");
    }
}
