using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using CapsNetService.Training.Run;
using CapsNetService.Training.IO;

namespace CapsNetService.Training.Reporting;

/// <summary>Writes the training history as metrics.csv (one row per epoch) and metrics.json (run, history, best
/// epoch, latest confusion matrix), for scripts and notebooks to read.</summary>
public static partial class MetricsWriter
{
    public const string CsvFileName = "metrics.csv";
    public const string JsonFileName = "metrics.json";

    public const string CsvHeader =
        "epoch,learning_rate,train_loss,train_accuracy,test_loss,test_accuracy,test_error,epoch_seconds,train_images_per_second,unaveraged_test_accuracy,validation_loss,validation_accuracy,validation_error,validation_at_least_one_accuracy,test_at_least_one_accuracy";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // A file, never embedded in a page: keep "<", "→" and the like readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // A diverged run has NaN losses; write them as "NaN" rather than failing the whole report.
        NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Write(string runDirectory, IReadOnlyList<EpochMetrics> history, ConfusionMatrix latestConfusion, RunDescription run)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runDirectory);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(latestConfusion);
        ArgumentNullException.ThrowIfNull(run);

        AtomicFile.WriteAllText(Path.Combine(runDirectory, CsvFileName), ToCsv(history));
        AtomicFile.WriteAllText(Path.Combine(runDirectory, JsonFileName), ToJson(history, latestConfusion, run));
    }

    /// <summary>The header and one line per epoch, numbers in the invariant culture, "\n" line ends.</summary>
    public static string ToCsv(IReadOnlyList<EpochMetrics> history)
    {
        var csv = new StringBuilder(CsvHeader).Append('\n');
        foreach (var e in history)
        {
            csv.AppendJoin(',',
                    e.Epoch.ToString(CultureInfo.InvariantCulture),
                    Number(e.LearningRate),
                    Number(e.TrainLoss),
                    Number(e.TrainAccuracy),
                    Number(e.TestLoss),
                    Number(e.TestAccuracy),
                    Number(e.TestError),
                    Number(e.EpochSeconds),
                    Number(e.TrainImagesPerSecond),
                    e.UnaveragedTestAccuracy is { } unaveraged ? Number(unaveraged) : "",
                    e.ValidationLoss is { } validationLoss ? Number(validationLoss) : "",
                    e.ValidationAccuracy is { } validation ? Number(validation) : "",
                    e.ValidationError is { } validationError ? Number(validationError) : "",
                    e.ValidationAtLeastOneAccuracy is { } validationAtLeastOne ? Number(validationAtLeastOne) : "",
                    e.TestAtLeastOneAccuracy is { } testAtLeastOne ? Number(testAtLeastOne) : "")
                .Append('\n');
        }
        return csv.ToString();
    }

    public static string ToJson(IReadOnlyList<EpochMetrics> history, ConfusionMatrix latestConfusion, RunDescription run)
    {
        var document = new MetricsDocument(
            run,
            history.Count,
            history,
            BestEpoch.Of(history),
            new ConfusionDocument(
                latestConfusion.Classes,
                latestConfusion.Total,
                latestConfusion.Correct,
                latestConfusion.Accuracy,
                latestConfusion.ToJagged(),
                latestConfusion.PerClassAccuracy().Select(a => double.IsNaN(a) ? (double?)null : a).ToArray()));
        string json = JsonSerializer.Serialize(document, JsonOptions);
        // Put each array of whole numbers (a confusion-matrix row) on one line, so the matrix reads as a square.
        // Only arrays that the indented writer broke over lines are touched; a string never holds a raw line break.
        return IntegerArrayOverLines().Replace(json, m => "[" + string.Join(", ", m.Groups["n"].Captures.Select(c => c.Value)) + "]") + "\n";
    }

    [GeneratedRegex(@"\[\r?\n(?:\s*(?<n>-?\d+),)*\s*(?<n>-?\d+)\s*\]")]
    private static partial Regex IntegerArrayOverLines();

    // Shortest text that parses back to the same double.
    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private sealed record MetricsDocument(
        RunDescription Run,
        int Epochs,
        IReadOnlyList<EpochMetrics> History,
        EpochMetrics? BestEpoch,
        ConfusionDocument LatestConfusion);

    /// <param name="Counts">Counts[actual][predicted], written one row per line.</param>
    /// <param name="PerClassAccuracy">Recall of each digit; null for a digit absent from the test set.</param>
    private sealed record ConfusionDocument(
        int Classes,
        int Total,
        int Correct,
        double Accuracy,
        int[][] Counts,
        double?[] PerClassAccuracy);
}
