using System.CommandLine;
using CapsNetService.Common;
using CapsNetService.Training.Data;
using CapsNetService.Training.Export;
using Spectre.Console;

namespace CapsNetService.Training.Cli;

/// <summary><c>quantize</c>: the published model → capsnet.int8.onnx beside it (convolutions in int8, for CPU hosts),
/// refused when it loses more than 0.1 points of test accuracy. Reads the published float32 file; no checkpoint needed.</summary>
public static class QuantizeCommand
{
    private static readonly Option<string> ModelDir = new("--model-dir")
    {
        Description = $"the models folder holding {ModelContract.ModelFileName} and {ModelContract.MetadataFileName}",
        DefaultValueFactory = _ => "models",
    };

    public static readonly Option<int> CalibrationImages = new("--calibration-images")
    {
        Description = "MNIST training images whose activations set the int8 scales",
        DefaultValueFactory = _ => Int8Exporter.DefaultCalibrationImages,
        Validators = { r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--calibration-images must be at least 1"); } },
    };

    public static Command Create()
    {
        var command = new Command("quantize",
            $"Write {ModelContract.Int8ModelFileName} beside the published model: its convolutions in int8, checked on the MNIST test set")
        {
            ModelDir, CalibrationImages, CommonOptions.DataDir, CommonOptions.NoDownload, CommonOptions.Mirrors,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var progress = new ConsoleTrainingProgress();
            var (train, test) = await MnistDataSource.LoadAsync(result.GetValue(CommonOptions.DataDir)!, !result.GetValue(CommonOptions.NoDownload),
                                                                 result.GetValue(CommonOptions.Mirrors)!, progress.Log, cancellationToken);
            Publish(result.GetValue(ModelDir)!, train, test, result.GetValue(CalibrationImages), progress.Log);
            return ExitCodes.Success;
        });
        return command;
    }

    public static void Publish(string directory, Common.Mnist.MnistSet train, Common.Mnist.MnistSet test, int calibrationImages, Action<string> log)
    {
        var result = Int8Exporter.QuantizeFolder(directory, train, test, calibrationImages, log);
        var q = result.Quantization;
        AnsiConsole.MarkupLine($"Wrote [green]{ModelContract.Int8ModelFileName}[/] ({result.Model.Length / 1e6:F1} MB) in {Markup.Escape(directory)}: "
                               + $"{q.TestAccuracy:P2} on {q.TestImages:N0} test images (float32 {q.Fp32TestAccuracy:P2}); "
                               + $"{result.FusedConvolutions} convolutions run as integer kernels under ONNX Runtime.");
    }
}
