using System.Globalization;
using CapsNetService.Training.Run;
using ScottPlot;
using ScottPlot.TickGenerators;
using CapsNetService.Training.IO;

namespace CapsNetService.Training.Reporting;

/// <summary>
/// The learning curves: loss.png (train and test loss) and accuracy.png (train and test error in %), one point per
/// epoch. Both use a logarithmic y axis, because after the first few epochs the interesting changes are a factor, not
/// a difference (test error going from 0.6 % to 0.35 % would be a flat line on a linear axis that must also show
/// the first epoch's 5 %).
/// </summary>
public static class TrainingPlots
{
    public const string LossFileName = "loss.png";
    public const string AccuracyFileName = "accuracy.png";
    public const int Width = 900;
    public const int Height = 520;

    private static readonly Color TrainColor = Color.FromHex("#1f77b4");
    private static readonly Color TestColor = Color.FromHex("#d62728");
    private static readonly Color BestColor = Color.FromHex("#2ca02c");
    private static readonly Color ValidationColor = Color.FromHex("#ff7f0e");

    public static void Write(string runDirectory, IReadOnlyList<EpochMetrics> history)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runDirectory);
        AtomicFile.WriteAllBytes(Path.Combine(runDirectory, LossFileName), RenderLoss(history));
        AtomicFile.WriteAllBytes(Path.Combine(runDirectory, AccuracyFileName), RenderAccuracy(history));
    }

    public static byte[] RenderLoss(IReadOnlyList<EpochMetrics> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        using var plot = NewPlot("Loss per epoch (log scale)", "loss");
        var series = new[]
        {
            new Series("train", TrainColor, history.Select(e => e.TrainLoss)),
            new Series("test", TestColor, history.Select(e => e.TestLoss)),
        }.Concat(history.Any(e => e.ValidationLoss is not null)
            ? [new Series("validation", ValidationColor, history.Select(e => e.ValidationLoss ?? double.NaN))]
            : []).ToArray();
        Draw(plot, history, series, FormatPlain);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>Train and test error (100 % − accuracy), with the best test epoch marked.</summary>
    public static byte[] RenderAccuracy(IReadOnlyList<EpochMetrics> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        using var plot = NewPlot("Classification error per epoch (log scale)", "error (%)");
        // MultiMNIST: the errors are of "both digits found"; "at least one found" is drawn dashed beside them, and
        // the test pairs have points only in the epochs that became the best on validation.
        bool pairs = history.Any(e => e.ValidationAtLeastOneAccuracy is not null);
        string both = pairs ? " (both correct)" : "";
        var series = new[]
        {
            new Series("train error" + both, TrainColor, history.Select(e => 100 * (1 - e.TrainAccuracy))),
            new Series("test error" + both, TestColor, history.Select(e => 100 * e.TestError)),
        }.Concat(history.Any(e => e.ValidationAccuracy is not null)
            ? [new Series("validation error" + both, ValidationColor, history.Select(e => 100 * (e.ValidationError ?? double.NaN)))]
            : []).Concat(pairs
            ? [new Series("test error (at least one)", TestColor, history.Select(e => 100 * (1 - (e.TestAtLeastOneAccuracy ?? double.NaN))), Dashed: true),
               new Series("validation error (at least one)", ValidationColor, history.Select(e => 100 * (1 - (e.ValidationAtLeastOneAccuracy ?? double.NaN))), Dashed: true)]
            : []).ToArray();
        var (low, _) = Draw(plot, history, series, FormatPercent);

        if (BestEpoch.Of(history) is { } best)
        {
            // The marker sits on the curve the best epoch was chosen by.
            double error = best.ValidationError ?? best.TestError;
            double y = Math.Log10(Math.Max(100 * error, low));
            var marker = plot.Add.Marker(best.Epoch, y, MarkerShape.OpenCircle, 16, BestColor);
            marker.MarkerLineWidth = 2.5f;
            marker.LegendText = string.Create(CultureInfo.InvariantCulture,
                $"best {BestEpoch.Criterion(history)}: {100 * error:0.00} % (epoch {best.Epoch})");
        }
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    private sealed record Series(string Name, Color Color, IEnumerable<double> Values, bool Dashed = false);

    private static Plot NewPlot(string title, string yLabel)
    {
        var plot = new Plot();
        if (ReportFonts.Sans is { } typeface) plot.Font.Set(typeface.FamilyName);
        plot.Title(title, size: 20);
        plot.XLabel("epoch", size: 16);
        plot.YLabel(yLabel, size: 16);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        plot.Axes.Left.TickLabelStyle.FontSize = 13;
        plot.Grid.MajorLineColor = Color.FromHex("#e4e4e4");
        plot.Grid.MinorLineColor = Color.FromHex("#f3f3f3");
        plot.Grid.MinorLineWidth = 1;
        plot.Legend.Alignment = Alignment.UpperRight;
        plot.Legend.FontSize = 14;
        plot.Legend.OutlineColor = Color.FromHex("#cccccc");
        plot.Legend.ShadowColor = Colors.Transparent;
        plot.ShowLegend();
        return plot;
    }

    /// <summary>Plots each series as log10(value) against the epoch and sets up the axes; returns the plotted value
    /// range. Values that are not positive (a perfect epoch's 0 % error) are drawn at the bottom of the axis.</summary>
    private static (double Low, double High) Draw(
        Plot plot, IReadOnlyList<EpochMetrics> history, IReadOnlyList<Series> series, Func<double, string> format)
    {
        double[] epochs = history.Select(e => (double)e.Epoch).ToArray();
        var values = series.Select(s => s.Values.ToArray()).ToArray();

        var positive = values.SelectMany(v => v).Where(v => double.IsFinite(v) && v > 0).ToArray();
        double high = positive.Length > 0 ? positive.Max() : 1;
        double low = positive.Length > 0 ? positive.Min() : 0.1;
        // A zero needs a place below the smallest positive value.
        if (values.SelectMany(v => v).Any(v => v <= 0)) low /= 2;
        if (low == high) { low /= 1.5; high *= 1.5; }

        for (int i = 0; i < series.Count; i++)
        {
            var (xs, ys) = FinitePoints(epochs, values[i], low);
            var scatter = plot.Add.Scatter(xs, ys, series[i].Color);
            scatter.LegendText = series[i].Name;
            scatter.LineWidth = 2.5f;
            scatter.MarkerSize = epochs.Length <= 60 ? 7 : 0;
            if (series[i].Dashed) scatter.LinePattern = LinePattern.Dashed;
        }

        var (bottom, top) = UseLogAxis(plot, low, high, format);
        plot.Axes.SetLimitsY(bottom, top);

        double first = epochs.Length > 0 ? epochs.Min() : 1;
        double last = epochs.Length > 0 ? epochs.Max() : 1;
        double pad = Math.Max(0.5, (last - first) * 0.03);
        plot.Axes.Bottom.TickGenerator = EpochTicks((int)first, (int)last);
        plot.Axes.SetLimitsX(first - pad, last + pad);
        return (low, high);
    }

    private static (double[] Xs, double[] Ys) FinitePoints(double[] epochs, double[] values, double floor)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        for (int i = 0; i < epochs.Length; i++)
        {
            if (double.IsNaN(values[i]) || double.IsInfinity(values[i])) continue;
            xs.Add(epochs[i]);
            ys.Add(Math.Log10(Math.Max(values[i], floor)));
        }
        return (xs.ToArray(), ys.ToArray());
    }

    /// <summary>Labelled ticks on whole epochs only, at most about 15 of them (every epoch, or every 2nd, 5th,
    /// 10th…), with unlabelled ticks on the epochs between while there are not too many.</summary>
    private static NumericManual EpochTicks(int first, int last)
    {
        int span = Math.Max(last - first, 0);
        int step = 1;
        foreach (int candidate in (int[])[1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000])
        {
            step = candidate;
            if (span / candidate <= 15) break;
        }
        var ticks = new NumericManual();
        for (int epoch = first; epoch <= last; epoch++)
        {
            if (epoch % step == 0 || step == 1) ticks.AddMajor(epoch, epoch.ToString(CultureInfo.InvariantCulture));
            else if (span <= 200) ticks.AddMinor(epoch);
        }
        return ticks;
    }

    /// <summary>Puts labelled ticks at 1, 2 and 5 × 10^k (only at 10^k over many decades) and minor ticks at the
    /// other integers × 10^k, and widens [low, high] to the labelled ticks around it, so even a single point sits
    /// between two labelled values. Returns the axis limits in log10 units.</summary>
    private static (double Bottom, double Top) UseLogAxis(Plot plot, double low, double high, Func<double, string> format)
    {
        int firstDecade = (int)Math.Floor(Math.Log10(low));
        int lastDecade = (int)Math.Ceiling(Math.Log10(high));
        int[] labelled = (lastDecade - firstDecade) switch
        {
            <= 3 => [1, 2, 5],
            <= 5 => [1, 3],
            _ => [1],
        };

        var ticks = new NumericManual();
        double bottom = Math.Log10(low);
        double top = Math.Log10(high);
        double labelledBelow = double.NegativeInfinity;
        double labelledAbove = double.PositiveInfinity;
        for (int decade = firstDecade; decade <= lastDecade; decade++)
        {
            for (int mantissa = 1; mantissa <= 9; mantissa++)
            {
                double value = mantissa * Math.Pow(10, decade);
                double y = Math.Log10(value);
                if (labelled.Contains(mantissa))
                {
                    ticks.AddMajor(y, format(value));
                    if (y <= bottom + 1e-9) labelledBelow = Math.Max(labelledBelow, y);
                    if (y >= top - 1e-9) labelledAbove = Math.Min(labelledAbove, y);
                }
                else
                {
                    ticks.AddMinor(y);
                }
            }
        }
        plot.Axes.Left.TickGenerator = ticks;

        if (double.IsFinite(labelledBelow)) bottom = labelledBelow;
        if (double.IsFinite(labelledAbove)) top = labelledAbove;
        double margin = (top - bottom) * 0.04;
        return (bottom - margin, top + margin);
    }

    private static string FormatPlain(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private static string FormatPercent(double value) => FormatPlain(value) + " %";
}
