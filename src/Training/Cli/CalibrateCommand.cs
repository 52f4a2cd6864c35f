using System.CommandLine;
using CapsNetService.Common;
using CapsNetService.Common.Rejection;
using CapsNetService.Training.Data;
using CapsNetService.Training.Export;
using Spectre.Console;

namespace CapsNetService.Training.Cli;

/// <summary><c>calibrate</c>: chooses the published model's thresholds for telling digits from anything else, measures
/// them, and writes both into its metadata (capsnet.json and the ONNX metadata_props; the weights stay as they are).</summary>
public static class CalibrateCommand
{
    private static readonly Option<string> ModelDir = new("--model-dir")
    {
        Description = $"the models folder holding {ModelContract.ModelFileName}, {ModelContract.DecoderFileName} and {ModelContract.MetadataFileName}",
        DefaultValueFactory = _ => "models",
    };
    private static readonly Option<double> TargetFrr = new("--target-frr")
    {
        Description = "share of held-out digits the thresholds may reject",
        DefaultValueFactory = _ => ThresholdSelection.DefaultTargetFalseRejectionRate,
    };
    private static readonly Option<int> PerKind = new("--non-digits-per-kind")
    {
        Description = "generated non-digits of each kind, for choosing and again for measuring",
        DefaultValueFactory = _ => new CalibrationSettings().NonDigitsPerKind,
    };
    private static readonly Option<int> CalibrationSeed = new("--calibration-seed")
    {
        Description = "seed of the non-digits the thresholds are chosen on",
        DefaultValueFactory = _ => new CalibrationSettings().CalibrationSeed,
    };
    private static readonly Option<int> EvaluationSeed = new("--evaluation-seed")
    {
        Description = "seed of the non-digits and digit transformations the thresholds are measured on",
        DefaultValueFactory = _ => new CalibrationSettings().EvaluationSeed,
    };

    public static Command Create()
    {
        var command = new Command("calibrate",
            "Choose and measure the published model's thresholds for rejecting non-digits, and store them in its metadata")
        {
            ModelDir, CommonOptions.DataDir, TargetFrr, PerKind, CalibrationSeed, EvaluationSeed, CommonOptions.NoDownload, CommonOptions.Mirrors,
        };
        command.SetAction(Run);
        return command;
    }

    private static async Task<int> Run(ParseResult result, CancellationToken cancellationToken)
    {
        var settings = new CalibrationSettings(result.GetValue(TargetFrr), result.GetValue(PerKind),
                                               result.GetValue(CalibrationSeed), result.GetValue(EvaluationSeed));
        var problems = settings.Validate().ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));

        var progress = new ConsoleTrainingProgress();
        var (train, test) = await MnistDataSource.LoadAsync(result.GetValue(CommonOptions.DataDir)!, !result.GetValue(CommonOptions.NoDownload),
                                                             result.GetValue(CommonOptions.Mirrors)!, progress.Log, cancellationToken);
        var directory = result.GetValue(ModelDir)!;
        var metadata = RejectionCalibrator.CalibrateFolder(directory, train, test, settings, DateTimeOffset.UtcNow, progress.Log);
        AnsiConsole.MarkupLine($"Calibrated model [green]{Markup.Escape(metadata.ModelVersion)}[/] in {Markup.Escape(directory)}; its weights are unchanged.");
        Print(metadata.Rejection!);
        return ExitCodes.Success;
    }

    /// <summary>The measured rates as tables.</summary>
    public static void Print(RejectionCalibration rejection)
    {
        AnsiConsole.MarkupLine($"Accept when the longest capsule ≥ [green]{rejection.MinCapsuleLength:G6}[/] and the reconstruction error ≤ "
                               + $"[green]{rejection.MaxReconstructionError:G6}[/] (length alone: ≥ {rejection.LengthOnlyMinCapsuleLength:G6}), "
                               + $"for at most {rejection.TargetFalseRejectionRate:P1} of held-out digits rejected.");
        var table = new Table().Border(TableBorder.Rounded).Title("Measured")
            .AddColumns("", "images", "rejected (length + reconstruction)", "rejected (length alone)");
        table.AddRow("MNIST test digits", $"{rejection.TestDigits:N0}", $"{rejection.TestFalseRejectionRate:P2}", $"{rejection.LengthOnlyTestFalseRejectionRate:P2}");
        foreach (var kind in rejection.NonDigitClasses)
            table.AddRow($"non-digits: {kind.Kind}", $"{kind.Count:N0}", $"{kind.RejectionRate:P1}", $"{kind.LengthOnlyRejectionRate:P1}");
        table.AddRow("non-digits: all", $"{rejection.NonDigits:N0}", $"{rejection.NonDigitRejectionRate:P1}", $"{rejection.LengthOnlyNonDigitRejectionRate:P1}");
        table.Caption($"accuracy on the accepted test digits: {rejection.TestAccuracyOnAccepted:P2}");
        AnsiConsole.Write(table);
        var transformed = new Table().Border(TableBorder.Rounded).Title("Transformed MNIST test digits")
            .AddColumns("", "images", "accepted", "accuracy on accepted", "accepted (length alone)");
        foreach (var t in rejection.TransformedDigits)
            transformed.AddRow(t.Transform, $"{t.Count:N0}", $"{t.AcceptedRate:P2}", $"{t.AccuracyOnAccepted:P2}", $"{t.LengthOnlyAcceptedRate:P2}");
        AnsiConsole.Write(transformed);
    }
}
