using CapsNetService.Training.Run;
using CapsNetService.Common;
using CapsNetService.Training.Export;
using CapsNetService.Training.Reporting;
using Spectre.Console;

namespace CapsNetService.Training.Cli;

/// <summary>A live progress bar per epoch on a terminal; plain periodic lines when output is redirected
/// (CI logs, docker logs), so progress stays visible there too.</summary>
public sealed class ConsoleTrainingProgress : ITrainingProgress
{
    private readonly bool interactive = AnsiConsole.Profile.Capabilities.Interactive;

    public void Track(string title, int steps, Action<Action<string>> work)
    {
        if (!interactive)
        {
            TrackPlain(title, steps, work);
            return;
        }
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(),
                     new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: steps);
                work(status =>
                {
                    if (status.Length > 0) task.Description = Markup.Escape($"{title}  {status}");
                    task.Increment(1);
                });
            });
    }

    private static void TrackPlain(string title, int steps, Action<Action<string>> work)
    {
        int done = 0, reportEvery = Math.Max(1, steps / 10);
        string last = "";
        work(status =>
        {
            done++;
            if (status.Length > 0) last = status;
            if (done % reportEvery == 0 || done == steps)
                Console.WriteLine($"{title} {done}/{steps} {last}".TrimEnd());
        });
    }

    public void EpochCompleted(EpochMetrics m, ConfusionMatrix confusion)
    {
        if (m.ValidationAtLeastOneAccuracy is not null)
        {
            AnsiConsole.Write(PairSummary(m));
            return;
        }
        var summary = new Table().Border(TableBorder.Rounded).Title($"Epoch {m.Epoch}")
            .AddColumns("", "loss", "accuracy", "error");
        summary.AddRow("train", $"{m.TrainLoss:F5}", $"{m.TrainAccuracy:P2}", $"{1 - m.TrainAccuracy:P2}");
        summary.AddRow(m.UnaveragedTestAccuracy is null ? "test" : "test (averaged)", $"{m.TestLoss:F5}", $"{m.TestAccuracy:P2}", $"{m.TestError:P2}");
        if (m.ValidationAccuracy is { } validation)
            summary.AddRow(m.UnaveragedTestAccuracy is null ? "validation" : "validation (averaged)", $"{m.ValidationLoss:F5}", $"{validation:P2}", $"{1 - validation:P2}");
        if (m.UnaveragedTestAccuracy is { } live)
            summary.AddRow("test (live)", "", $"{live:P2}", $"{1 - live:P2}");
        summary.Caption($"{m.EpochSeconds:F1} s, {m.TrainImagesPerSecond:F0} train images/s, learning rate {m.LearningRate:G4}");
        AnsiConsole.Write(summary);
        AnsiConsole.Write(ConfusionTable(confusion));
    }

    /// <summary>A MultiMNIST epoch: both-correct and at-least-one accuracies; the test pairs only when evaluated (in
    /// the epochs that became the best on validation).</summary>
    private static Table PairSummary(EpochMetrics m)
    {
        var summary = new Table().Border(TableBorder.Rounded).Title($"Epoch {m.Epoch}")
            .AddColumns("", "loss", "both correct", "at least one");
        summary.AddRow("train", $"{m.TrainLoss:F5}", $"{m.TrainAccuracy:P2}", "");
        summary.AddRow("validation", $"{m.ValidationLoss:F5}", $"{m.ValidationAccuracy:P2}", $"{m.ValidationAtLeastOneAccuracy:P2}");
        if (double.IsNaN(m.TestAccuracy))
            summary.AddRow("test", "", "[grey]not evaluated: not the best on validation[/]", "");
        else
            summary.AddRow("test (best on validation)", $"{m.TestLoss:F5}", $"{m.TestAccuracy:P2}", $"{m.TestAtLeastOneAccuracy:P2}");
        summary.Caption($"{m.EpochSeconds:F1} s, {m.TrainImagesPerSecond:F1} train pairs/s, learning rate {m.LearningRate:G4}");
        return summary;
    }

    public static Table ConfusionTable(ConfusionMatrix confusion)
    {
        var table = new Table().Border(TableBorder.Simple).Title("Confusion (rows: true digit, columns: predicted)");
        table.AddColumn("");
        for (int p = 0; p < confusion.Classes; p++) table.AddColumn(new TableColumn(p.ToString()).RightAligned());
        table.AddColumn(new TableColumn("recall").RightAligned());
        var recall = confusion.PerClassAccuracy();
        for (int a = 0; a < confusion.Classes; a++)
        {
            var cells = new List<string> { a.ToString() };
            for (int p = 0; p < confusion.Classes; p++)
            {
                int count = confusion.Counts[a, p];
                cells.Add(a == p ? $"[green]{count}[/]" : count == 0 ? "[grey]·[/]" : $"[red]{count}[/]");
            }
            cells.Add(double.IsNaN(recall[a]) ? "-" : $"{recall[a]:P1}");
            table.AddRow(cells.ToArray());
        }
        return table;
    }

    public void RunCompleted(TrainingResult result)
    {
        if (BestEpoch.Of(result.History) is { } best)
        {
            if (best.ValidationAtLeastOneAccuracy is not null)
                AnsiConsole.MarkupLine($"Best validation both-correct accuracy [green]{best.ValidationAccuracy:P2}[/] at epoch {best.Epoch}; "
                                       + $"its test pairs (not used to choose): both correct [green]{best.TestAccuracy:P2}[/], "
                                       + $"at least one {best.TestAtLeastOneAccuracy:P2}.");
            else if (best.ValidationAccuracy is { } validation)
                AnsiConsole.MarkupLine($"Best validation accuracy [green]{validation:P2}[/] at epoch {best.Epoch}; its test accuracy "
                                       + $"[green]{best.TestAccuracy:P2}[/] (error {best.TestError:P2}).");
            else
                AnsiConsole.MarkupLine($"Best test accuracy [green]{best.TestAccuracy:P2}[/] (error {best.TestError:P2}) at epoch {best.Epoch}.");
        }
        AnsiConsole.MarkupLine($"Report: {Markup.Escape(Path.Combine(result.RunDirectory, HtmlReport.FileName))}");
        AnsiConsole.MarkupLine($"Best checkpoint: {Markup.Escape(result.BestCheckpoint)}");
    }

    public void Exported(ExportResult export)
    {
        var files = ModelKindContract.Of(export.Metadata.KindOrDefault);
        var m = export.Metadata;
        if (export.Directories.Count > 0)
            AnsiConsole.MarkupLine($"Exported model [green]{Markup.Escape(m.ModelVersion)}[/] "
                                   + (m.TestPairs is { } testPairs
                                       ? $"(both correct {m.TestAccuracy:P2}, at least one {m.TestAtLeastOneAccuracy:P2} on {testPairs:N0} test pairs"
                                         + (m.ValidationAccuracy is { } pairValidation ? $"; both correct {pairValidation:P2} on {m.ValidationPairs:N0} validation pairs" : "")
                                       : $"(test accuracy {m.TestAccuracy:P2}"
                                         + (m.ValidationAccuracy is { } validation ? $", validation accuracy {validation:P2} on {m.ValidationImages} held-out images" : ""))
                                   + $") into {Markup.Escape(string.Join(", ", export.Directories))}: "
                                   + $"{files.ModelFileName} {export.ClassifierBytes / 1e6:F1} MB, {files.DecoderFileName} {export.DecoderBytes / 1e6:F1} MB");
        foreach (var (directory, published) in export.KeptBetter)
            AnsiConsole.MarkupLine($"[yellow]Not published into {Markup.Escape(directory)}[/]: it holds {Markup.Escape(published.ModelVersion)} "
                                   + $"(test accuracy {published.TestAccuracy:P2}), at least as accurate as {Markup.Escape(export.Metadata.ModelVersion)} "
                                   + $"({export.Metadata.TestAccuracy:P2}).");
        AnsiConsole.MarkupLine($"[grey]ONNX Runtime check: {Markup.Escape(export.Parity.ToString())}[/]");
    }

    public void Log(string message) => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(message)}[/]");
}
