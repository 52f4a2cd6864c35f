using System.Globalization;
using System.Net;
using System.Text;
using CapsNetService.Training.Run;
using CapsNetService.Training.Model;
using CapsNetService.Training.TwoDigits;

namespace CapsNetService.Training.Reporting;

/// <summary>
/// report.html: one self-contained page (inline CSS, no script, no network) that links the PNGs beside it by relative
/// path: the run, the latest epoch, the learning curves, the reconstructions, the confusion matrix with per-class
/// accuracy, and every epoch. Every piece of text that comes from outside is HTML-encoded.
/// </summary>
public static class HtmlReport
{
    public const string FileName = "report.html";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <param name="sample">The reconstruction sample whose grid was written, or null when there is none.</param>
    /// <param name="pairSample">A MultiMNIST run's pairs whose Figure 5 grid was written, or null.</param>
    /// <param name="picturesHaveText">Whether the plots and the grid could draw their text (a font was found); when
    /// not, the page says so and lists the grid's labels itself.</param>
    public static string Render(
        RunDescription run,
        IReadOnlyList<EpochMetrics> history,
        ConfusionMatrix confusion,
        ReconstructionSample? sample,
        bool picturesHaveText,
        DateTimeOffset generatedAt,
        PairSample? pairSample = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(confusion);

        var latest = history.Count > 0 ? history[^1] : null;
        var best = BestEpoch.Of(history);
        var html = new StringBuilder(16 * 1024);

        bool pairs = run.Options.Dataset == TrainingDataset.MultiMnist;
        string title = latest is null
            ? "CapsNet training report"
            : pairs ? $"MultiMNIST {run.Options.Model.ToString().ToLowerInvariant()} training: epoch {latest.Epoch}, validation both correct {Percent(latest.ValidationAccuracy ?? double.NaN)}"
            : $"CapsNet training: epoch {latest.Epoch}, test error {Percent(latest.TestError)}";
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(Encode(title)).Append("</title>\n")
            .Append("<style>").Append(Css).Append("</style>\n</head>\n<body>\n");

        html.Append("<header><h1>CapsNet training report</h1><p class=\"muted\">")
            .Append(latest is null ? "No epoch has finished yet" : $"After epoch {latest.Epoch}")
            .Append(" · updated ").Append(Encode(Timestamp(generatedAt)))
            .Append(" · started ").Append(Encode(Timestamp(run.StartedAt)))
            .Append("</p></header>\n");

        if (pairs) AppendPairSummary(html, history, latest, best);
        else AppendSummary(html, history, latest, best);
        AppendRun(html, run);
        AppendPlots(html, history, picturesHaveText);
        AppendReconstructions(html, sample, picturesHaveText);
        if (pairSample is not null) AppendPairReconstructions(html, pairSample, picturesHaveText);
        if (confusion.Total > 0) AppendConfusion(html, confusion, latest);
        AppendHistory(html, history, best);

        html.Append("<footer class=\"muted\">Data: <a href=\"").Append(MetricsWriter.CsvFileName).Append("\">")
            .Append(MetricsWriter.CsvFileName).Append("</a> · <a href=\"").Append(MetricsWriter.JsonFileName).Append("\">")
            .Append(MetricsWriter.JsonFileName).Append("</a>. This page is rewritten at the end of every epoch; reload it to see the latest.</footer>\n")
            .Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void AppendSummary(StringBuilder html, IReadOnlyList<EpochMetrics> history, EpochMetrics? latest, EpochMetrics? best)
    {
        if (latest is null) return;
        double elapsed = history.Sum(e => e.EpochSeconds);
        html.Append("<section class=\"cards\">\n");
        Card(html, "Test error", Percent(latest.TestError), $"epoch {latest.Epoch}", emphasis: true);
        if (latest.ValidationError is { } validationError) Card(html, "Validation error", Percent(validationError), $"epoch {latest.Epoch}", emphasis: false);
        if (best?.ValidationError is { } bestValidation)
            Card(html, "Best validation error", Percent(bestValidation), $"epoch {best.Epoch}; its test error {Percent(best.TestError)}", emphasis: false);
        else if (best is not null)
            Card(html, "Best test error", Percent(best.TestError), $"epoch {best.Epoch}", emphasis: false);
        Card(html, "Test accuracy", Percent(latest.TestAccuracy), null, emphasis: false);
        Card(html, "Test loss", Loss(latest.TestLoss), null, emphasis: false);
        Card(html, "Train accuracy", Percent(latest.TrainAccuracy), null, emphasis: false);
        Card(html, "Train loss", Loss(latest.TrainLoss), null, emphasis: false);
        Card(html, "Learning rate", Rate(latest.LearningRate), null, emphasis: false);
        Card(html, "Epoch time", Duration(latest.EpochSeconds), $"{Throughput(latest.TrainImagesPerSecond)} img/s", emphasis: false);
        Card(html, "Total time", Duration(elapsed), $"{history.Count} epoch{(history.Count == 1 ? "" : "s")}", emphasis: false);
        html.Append("</section>\n");
    }

    /// <summary>A MultiMNIST run's cards: the epoch kept (best on validation, both correct) with its test figures, which
    /// chose nothing, and the latest epoch.</summary>
    private static void AppendPairSummary(StringBuilder html, IReadOnlyList<EpochMetrics> history, EpochMetrics? latest, EpochMetrics? best)
    {
        if (latest is null) return;
        html.Append("<section class=\"cards\">\n");
        if (best is not null)
        {
            Card(html, "Kept: test both correct", Percent(best.TestAccuracy),
                 $"epoch {best.Epoch}, best on validation; the test pairs chose nothing", emphasis: true);
            Card(html, "Kept: test at least one", Percent(best.TestAtLeastOneAccuracy ?? double.NaN), $"epoch {best.Epoch}", emphasis: false);
            Card(html, "Kept: validation both correct", Percent(best.ValidationAccuracy ?? double.NaN),
                 $"at least one {Percent(best.ValidationAtLeastOneAccuracy ?? double.NaN)}", emphasis: false);
        }
        Card(html, "Validation both correct", Percent(latest.ValidationAccuracy ?? double.NaN),
             $"epoch {latest.Epoch}; at least one {Percent(latest.ValidationAtLeastOneAccuracy ?? double.NaN)}", emphasis: false);
        Card(html, "Train both correct", Percent(latest.TrainAccuracy), null, emphasis: false);
        Card(html, "Train loss", Loss(latest.TrainLoss), null, emphasis: false);
        Card(html, "Learning rate", Rate(latest.LearningRate), null, emphasis: false);
        Card(html, "Epoch time", Duration(latest.EpochSeconds), $"{Throughput(latest.TrainImagesPerSecond)} pairs/s", emphasis: false);
        Card(html, "Total time", Duration(history.Sum(e => e.EpochSeconds)), $"{history.Count} epoch{(history.Count == 1 ? "" : "s")}", emphasis: false);
        html.Append("</section>\n");
    }

    private static void AppendPairReconstructions(StringBuilder html, PairSample sample, bool picturesHaveText)
    {
        var labels = Enumerable.Range(0, sample.Count).Select(i => PairReconstructionGrid.Label(sample, i)).ToArray();
        int wrong = Enumerable.Range(0, sample.Count).Count(i => !PairReconstructionGrid.BothCorrect(sample, i));
        html.Append("<section><h2>Reconstructions of the two digits</h2>\n<figure class=\"grid\"><img src=\"").Append(PairReconstructionGrid.FileName)
            .Append("\" alt=\"").Append(Encode("Validation pairs and the decoder's two reconstructions: " + string.Join(", ", labels)))
            .Append("\">\n<figcaption>Validation pairs. Each row of panels: the input; the decoder's reconstructions from the two ")
            .Append("longest capsules overlaid (the first predicted digit red, the second green, yellow where both draw); ")
            .Append("each reconstruction alone. L: the two labels, P: the two predicted digits; a red frame marks a pair ")
            .Append("whose two predictions are not exactly its two digits (").Append(wrong.ToString(Invariant)).Append(" of ")
            .Append(sample.Count.ToString(Invariant)).Append(" here).</figcaption></figure>\n");
        if (!picturesHaveText)
            html.Append("<p class=\"muted\">Labels, in order: ").Append(Encode(string.Join("; ", labels))).Append("</p>\n");
        html.Append("</section>\n");
    }

    private static void Card(StringBuilder html, string label, string value, string? note, bool emphasis)
    {
        html.Append("<div class=\"card").Append(emphasis ? " key" : "").Append("\"><div class=\"label\">").Append(Encode(label))
            .Append("</div><div class=\"value\">").Append(Encode(value)).Append("</div>");
        if (note is not null) html.Append("<div class=\"note\">").Append(Encode(note)).Append("</div>");
        html.Append("</div>\n");
    }

    private static void AppendRun(StringBuilder html, RunDescription run)
    {
        html.Append("<section><h2>Run</h2>\n<table class=\"kv\">\n");
        Row(html, "Command", $"<code>{Encode(run.Command)}</code>");
        Row(html, "Device", Encode(run.Device));
        if (run.InitializedFrom is { } initializedFrom) Row(html, "Started from", Encode(initializedFrom));
        Row(html, "Seed", Encode(run.Options.Seed.ToString(Invariant)));
        Row(html, "Batch size", Encode(run.Options.BatchSize.ToString(Invariant)));
        Row(html, "Routing iterations", Encode(run.Options.RoutingIterations.ToString(Invariant)));
        Row(html, "Convolutions compute in", run.Options.Precision == ConvolutionPrecision.Bf16 ? "bfloat16 (mixed precision; evaluated in float32)" : "float32");
        Row(html, "Learning rate", Encode($"{Rate(run.Options.LearningRate)}, × {run.Options.LearningRateDecay.ToString("0.####", Invariant)} per epoch"));
        if (run.Options.Dataset == TrainingDataset.MultiMnist)
        {
            Row(html, "Model", run.Options.Model == ModelChoice.Cnn ? "baseline CNN (the paper's comparison)" : "CapsNet, 36×36 input");
            Row(html, "Training pairs", Encode($"{run.TrainImages.ToString("N0", Invariant)} per epoch, drawn afresh each epoch from the first 55,000 training digits"));
            Row(html, "Validation pairs", Encode($"{run.ValidationImages.ToString("N0", Invariant)}, from the last 5,000 training digits (never trained on); the best epoch is chosen on them (both digits correct)"));
            Row(html, "Test pairs", Encode($"{run.TestImages.ToString("N0", Invariant)} of the fixed test set, evaluated for each epoch that became the best on validation; never used to choose"));
            Row(html, "Started", Encode(Timestamp(run.StartedAt)));
            html.Append("</table></section>\n");
            return;
        }
        Row(html, "Training images", Encode(run.TrainImages.ToString("N0", Invariant)));
        if (run.ValidationImages > 0)
            Row(html, "Validation images", Encode($"{run.ValidationImages.ToString("N0", Invariant)}, the last of the training set (never trained on); the best epoch is chosen on them"));
        Row(html, "Test images", Encode(run.TestImages.ToString("N0", Invariant)));
        Row(html, "Started", Encode(Timestamp(run.StartedAt)));
        html.Append("</table></section>\n");

        static void Row(StringBuilder html, string name, string encodedValue) =>
            html.Append("<tr><th>").Append(Encode(name)).Append("</th><td>").Append(encodedValue).Append("</td></tr>\n");
    }

    private static void AppendPlots(StringBuilder html, IReadOnlyList<EpochMetrics> history, bool picturesHaveText)
    {
        if (history.Count == 0) return;
        html.Append("<section><h2>Learning curves</h2>\n");
        if (!picturesHaveText)
        {
            html.Append("<p class=\"warning\">No font was found on the training machine, so the pictures carry no text. ")
                .Append("Left: loss (train blue, test red); right: error in % (train blue, test red, best test circled in green); ")
                .Append("both on a logarithmic axis, one point per epoch. The numbers are in the table below. ")
                .Append("Installing a font package (e.g. fonts-dejavu-core) brings the text back.</p>\n");
        }
        html.Append("<div class=\"plots\">\n")
            .Append("<figure><img src=\"").Append(TrainingPlots.LossFileName)
            .Append("\" alt=\"Train and test loss per epoch, logarithmic scale\"></figure>\n")
            .Append("<figure><img src=\"").Append(TrainingPlots.AccuracyFileName)
            .Append("\" alt=\"Train and test classification error per epoch in percent, logarithmic scale\"></figure>\n")
            .Append("</div></section>\n");
    }

    private static void AppendReconstructions(StringBuilder html, ReconstructionSample? sample, bool picturesHaveText)
    {
        if (sample is null || sample.Count == 0) return;
        int wrong = Enumerable.Range(0, sample.Count).Count(i => sample.Labels[i] != sample.Predictions[i]);
        var labels = Enumerable.Range(0, sample.Count).Select(i => $"{sample.Labels[i]}→{sample.Predictions[i]}").ToArray();

        html.Append("<section><h2>Reconstructions</h2>\n<figure class=\"grid\"><img src=\"").Append(ReconstructionGrid.FileName)
            .Append("\" alt=\"").Append(Encode("Test digits and their reconstructions, true→predicted: " + string.Join(", ", labels)))
            .Append("\">\n<figcaption>Each pair: a test image (left) and the decoder's reconstruction of it (right), labelled true→predicted; ")
            .Append("a red frame marks a wrong prediction (").Append(wrong.ToString(Invariant)).Append(" of ")
            .Append(sample.Count.ToString(Invariant)).Append(" here).</figcaption></figure>\n");

        if (!picturesHaveText)
        {
            int columns = ReconstructionGrid.Columns(sample.Count);
            html.Append("<table class=\"labels\"><caption>Labels of the pairs above, row by row</caption>\n");
            for (int row = 0; row * columns < sample.Count; row++)
            {
                html.Append("<tr>");
                for (int i = row * columns; i < Math.Min(sample.Count, (row + 1) * columns); i++)
                {
                    bool isWrong = sample.Labels[i] != sample.Predictions[i];
                    html.Append(isWrong ? "<td class=\"wrong\">" : "<td>").Append(Encode(labels[i])).Append("</td>");
                }
                html.Append("</tr>\n");
            }
            html.Append("</table>\n");
        }
        html.Append("</section>\n");
    }

    private static void AppendConfusion(StringBuilder html, ConfusionMatrix confusion, EpochMetrics? latest)
    {
        int classes = confusion.Classes;
        int[][] counts = confusion.ToJagged();
        double[] perClass = confusion.PerClassAccuracy();
        int maxOffDiagonal = 0;
        for (int a = 0; a < classes; a++)
            for (int p = 0; p < classes; p++)
                if (a != p) maxOffDiagonal = Math.Max(maxOffDiagonal, counts[a][p]);

        html.Append("<section><h2>Confusion matrix</h2>\n<p class=\"muted\">")
            .Append(latest is null ? "Latest evaluation" : $"Test set after epoch {latest.Epoch}")
            .Append(": ").Append(confusion.Correct.ToString("N0", Invariant)).Append(" of ")
            .Append(confusion.Total.ToString("N0", Invariant)).Append(" right (").Append(Encode(Percent(confusion.Accuracy)))
            .Append("). Rows are the true digit, columns the predicted one; the last column is each digit's accuracy.</p>\n")
            .Append("<div class=\"scroll\"><table class=\"confusion\">\n<thead><tr><th class=\"corner\">true ╲ predicted</th>");
        for (int p = 0; p < classes; p++) html.Append("<th>").Append(p.ToString(Invariant)).Append("</th>");
        html.Append("<th class=\"acc\">accuracy</th></tr></thead>\n<tbody>\n");

        for (int a = 0; a < classes; a++)
        {
            html.Append("<tr><th>").Append(a.ToString(Invariant)).Append("</th>");
            for (int p = 0; p < classes; p++)
            {
                int count = counts[a][p];
                if (a == p)
                {
                    html.Append("<td class=\"diag\">");
                }
                else if (count > 0)
                {
                    double strength = 0.12 + 0.58 * count / maxOffDiagonal;
                    html.Append("<td class=\"off\" style=\"background: rgba(214, 39, 40, ")
                        .Append(strength.ToString("0.00", Invariant)).Append(")\">");
                }
                else
                {
                    html.Append("<td class=\"zero\">");
                }
                html.Append(count.ToString(Invariant)).Append("</td>");
            }
            html.Append("<td class=\"acc\">").Append(Encode(double.IsNaN(perClass[a]) ? "—" : Percent(perClass[a]))).Append("</td></tr>\n");
        }
        html.Append("</tbody></table></div></section>\n");
    }

    private static void AppendHistory(StringBuilder html, IReadOnlyList<EpochMetrics> history, EpochMetrics? best)
    {
        if (history.Count == 0) return;
        bool validated = history.Any(e => e.ValidationAccuracy is not null);
        // MultiMNIST: accuracies are "both digits correct", beside "at least one"; test figures only in best epochs.
        bool pairs = history.Any(e => e.ValidationAtLeastOneAccuracy is not null);
        string criterion = $"lowest {BestEpoch.Criterion(history)} error";
        html.Append("<section><h2>All epochs</h2>\n<div class=\"scroll\"><table class=\"epochs\">\n<thead><tr>")
            .Append("<th>epoch</th><th>learning rate</th><th>train loss</th><th>train accuracy</th>")
            .Append(validated ? "<th>validation loss</th><th>validation accuracy</th><th>validation error</th>" : "")
            .Append(pairs ? "<th>validation at least one</th>" : "")
            .Append("<th>test loss</th><th>test accuracy</th><th>test error</th>")
            .Append(pairs ? "<th>test at least one</th>" : "")
            .Append("<th>time</th><th>images/s</th>")
            .Append("</tr></thead>\n<tbody>\n");
        foreach (var e in history)
        {
            html.Append(ReferenceEquals(e, best) ? $"<tr class=\"best\" title=\"{criterion}\">" : "<tr>")
                .Append("<td>").Append(e.Epoch.ToString(Invariant)).Append("</td>")
                .Append("<td>").Append(Encode(Rate(e.LearningRate))).Append("</td>")
                .Append("<td>").Append(Encode(Loss(e.TrainLoss))).Append("</td>")
                .Append("<td>").Append(Encode(Percent(e.TrainAccuracy))).Append("</td>");
            if (validated)
                html.Append("<td>").Append(Encode(e.ValidationLoss is { } vl ? Loss(vl) : "—")).Append("</td>")
                    .Append("<td>").Append(Encode(e.ValidationAccuracy is { } va ? Percent(va) : "—")).Append("</td>")
                    .Append("<td class=\"err\">").Append(Encode(e.ValidationError is { } ve ? Percent(ve) : "—")).Append("</td>");
            if (pairs) html.Append("<td>").Append(Encode(Percent(e.ValidationAtLeastOneAccuracy ?? double.NaN))).Append("</td>");
            html.Append("<td>").Append(Encode(pairs && double.IsNaN(e.TestLoss) ? "—" : Loss(e.TestLoss))).Append("</td>")
                .Append("<td>").Append(Encode(Percent(e.TestAccuracy))).Append("</td>")
                .Append("<td class=\"err\">").Append(Encode(Percent(e.TestError))).Append("</td>");
            if (pairs) html.Append("<td>").Append(Encode(Percent(e.TestAtLeastOneAccuracy ?? double.NaN))).Append("</td>");
            html.Append("<td>").Append(Encode(Duration(e.EpochSeconds))).Append("</td>")
                .Append("<td>").Append(Encode(Throughput(e.TrainImagesPerSecond))).Append("</td>")
                .Append("</tr>\n");
        }
        html.Append("</tbody></table></div>\n");
        if (best is not null)
        {
            html.Append("<p class=\"muted\">The highlighted row has the ").Append(criterion).Append(validated
                ? ": the epoch kept in best.ckpt and exported, chosen on the held-out training images, never on the test set."
                  + (pairs ? " The test pairs are evaluated only in the epochs that became the best on validation (— in the others).</p>\n" : "</p>\n")
                : ".</p>\n");
        }
        html.Append("</section>\n");
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Percent(double fraction) =>
        double.IsFinite(fraction) ? (100 * fraction).ToString("0.00", Invariant) + " %" : "—";

    private static string Loss(double loss) => double.IsFinite(loss) ? loss.ToString("0.00000", Invariant) : loss.ToString(Invariant);

    private static string Rate(double rate) => rate.ToString("G4", Invariant);

    private static string Throughput(double imagesPerSecond) => imagesPerSecond.ToString("N0", Invariant);

    private static string Timestamp(DateTimeOffset time) => time.ToString("yyyy-MM-dd HH:mm:ss zzz", Invariant);

    private static string Duration(double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0) return "—";
        var span = TimeSpan.FromSeconds(seconds);
        return span.TotalHours >= 1 ? $"{(int)span.TotalHours}h {span.Minutes:00}m"
            : span.TotalMinutes >= 1 ? $"{span.Minutes}m {span.Seconds:00}s"
            : seconds.ToString("0.0", Invariant) + " s";
    }

    private const string Css = """

        :root { color-scheme: light; --ink: #1d2330; --muted: #5f6b7a; --line: #e3e7ee; --accent: #d62728; --good: #2ca02c; }
        * { box-sizing: border-box; }
        body { margin: 0 auto; max-width: 1280px; padding: 24px 28px 48px; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--ink); background: #fafbfc; }
        h1 { margin: 0 0 4px; font-size: 26px; }
        h2 { margin: 34px 0 12px; font-size: 19px; border-bottom: 1px solid var(--line); padding-bottom: 6px; }
        .muted { color: var(--muted); }
        header p { margin: 0; }
        code { font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; background: #eef1f5; padding: 2px 6px; border-radius: 4px; white-space: pre-wrap; word-break: break-all; }
        .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 12px; margin-top: 20px; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
        .card.key { border-color: var(--accent); box-shadow: inset 4px 0 0 var(--accent); }
        .card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
        .card .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
        .card .note { color: var(--muted); font-size: 12px; }
        table { border-collapse: collapse; font-variant-numeric: tabular-nums; background: #fff; }
        th, td { padding: 4px 10px; border: 1px solid var(--line); }
        th { background: #f1f4f8; font-weight: 600; }
        table.kv th { text-align: left; width: 190px; }
        .plots { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
        figure { margin: 0; }
        figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; display: block; }
        figcaption { color: var(--muted); font-size: 13px; margin-top: 6px; }
        .scroll { overflow-x: auto; }
        table.confusion td, table.confusion th { text-align: center; min-width: 48px; }
        table.confusion th.corner { font-size: 12px; color: var(--muted); font-weight: normal; }
        table.confusion td.diag { background: #d8efd8; font-weight: 700; }
        table.confusion td.off { font-weight: 600; }
        table.confusion td.zero { color: #c3c9d1; }
        table.confusion .acc { border-left: 3px solid #c9d1dc; min-width: 80px; }
        table.epochs td { text-align: right; }
        table.epochs td:first-child { text-align: center; }
        table.epochs tbody tr:nth-child(even) { background: #f8f9fb; }
        table.epochs tr.best { background: #e3f4e3; font-weight: 600; }
        table.epochs td.err { color: var(--accent); }
        table.labels { margin-top: 10px; }
        table.labels caption { text-align: left; color: var(--muted); font-size: 13px; }
        table.labels td { text-align: center; min-width: 64px; }
        table.labels td.wrong { color: var(--accent); font-weight: 700; }
        .warning { background: #fff6e0; border: 1px solid #f0d58c; border-radius: 6px; padding: 8px 12px; }
        footer { margin-top: 40px; font-size: 13px; }

        """;
}
