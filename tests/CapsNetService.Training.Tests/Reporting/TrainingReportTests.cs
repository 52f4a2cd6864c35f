using System.Globalization;
using System.Text.Json;
using CapsNetService.Common.Mnist;
using CapsNetService.Tests;
using CapsNetService.Training.Reporting;
using CapsNetService.Training.Run;
using SkiaSharp;
using CapsNetService.Training.IO;

namespace CapsNetService.Training.Tests.Reporting;

/// <summary>The report a run folder holds after each epoch, written from a synthetic history over real MNIST test
/// digits (the "reconstructions" are blurred copies of them), and read back the way a person or a script would.</summary>
public sealed class TrainingReportTests : IDisposable
{
    private const int SampleSize = 10;
    private static readonly Lazy<MnistSet> TestDigits = new(() => RealMnist.Test.Take(1000));

    private static readonly string[] ReportFiles =
        ["metrics.csv", "metrics.json", "loss.png", "accuracy.png", "reconstructions.png", "report.html"];

    private readonly string folder = Directory.CreateTempSubdirectory("capsnet-report-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Writes_every_file_of_the_report(int epochs)
    {
        var history = History(epochs);
        TrainingReport.Write(folder, Run(), history, Confusion(), Sample());

        foreach (string name in ReportFiles)
        {
            var file = new FileInfo(Path.Combine(folder, name));
            Assert.True(file.Exists, $"{name} was not written");
            Assert.True(file.Length > 100, $"{name} holds only {file.Length} bytes");
        }
        Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Plots_decode_as_pngs_with_both_curves_drawn(int epochs)
    {
        TrainingReport.Write(folder, Run(), History(epochs), Confusion(), Sample());

        foreach (string name in new[] { "loss.png", "accuracy.png" })
        {
            using var plot = Decode(name);
            Assert.Equal((TrainingPlots.Width, TrainingPlots.Height), (plot.Width, plot.Height));
            // The train series is blue (#1f77b4) and the test series red (#d62728): both must be on the picture,
            // even for a single epoch, where each series is one marker.
            Assert.True(CountPixels(plot, new SKColor(0x1f, 0x77, 0xb4)) > 20, $"{name}: no train curve");
            Assert.True(CountPixels(plot, new SKColor(0xd6, 0x27, 0x28)) > 20, $"{name}: no test curve");
        }
    }

    [Fact]
    public void Reconstruction_grid_shows_each_digit_upscaled_three_times_with_nearest_neighbour()
    {
        var sample = Sample();
        TrainingReport.Write(folder, Run(), History(1), Confusion(), sample);

        using var grid = Decode("reconstructions.png");
        // 10 pairs: 5 per row, 2 rows; each pair 2 × 84 px plus a 2 px gap, 14 px between pairs, a 12 px border,
        // and a 22 px label strip under each row when a font is available.
        Assert.Equal(2 * 12 + 5 * (2 * 84 + 2) + 4 * 14, grid.Width);
        Assert.Contains(grid.Height, new[] { 2 * 12 + 2 * 84 + 14, 2 * 12 + 2 * (84 + 22) + 14 });

        for (int index = 0; index < SampleSize; index++)
        {
            int left = 12 + index % 5 * (2 * 84 + 2 + 14);
            int top = 12 + index / 5 * (grid.Height - 24 + 14) / 2;
            for (int row = 0; row < 28; row++)
            {
                for (int column = 0; column < 28; column++)
                {
                    byte expected = (byte)MathF.Round(sample.Originals[index * 784 + row * 28 + column] * 255);
                    for (int dy = 0; dy < 3; dy++)
                        for (int dx = 0; dx < 3; dx++)
                        {
                            var pixel = grid.GetPixel(left + 3 * column + dx, top + 3 * row + dy);
                            Assert.Equal(expected, pixel.Red);
                            Assert.Equal(pixel.Red, pixel.Green);
                        }
                }
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Metrics_csv_has_one_row_per_epoch_that_parses_back_to_the_same_numbers(int epochs)
    {
        var history = History(epochs);
        var previous = CultureInfo.CurrentCulture;
        try
        {
            // A decimal comma in the trainer's culture must not leak into the file.
            CultureInfo.CurrentCulture = CultureInfo.CreateSpecificCulture("fr-FR");
            TrainingReport.Write(folder, Run(), history, Confusion(), Sample());
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }

        var lines = File.ReadAllLines(Path.Combine(folder, "metrics.csv"));
        Assert.Equal(
            "epoch,learning_rate,train_loss,train_accuracy,test_loss,test_accuracy,test_error,epoch_seconds,train_images_per_second,unaveraged_test_accuracy,validation_loss,validation_accuracy,validation_error,validation_at_least_one_accuracy,test_at_least_one_accuracy",
            lines[0]);
        Assert.Equal(epochs + 1, lines.Length);
        for (int i = 0; i < epochs; i++)
        {
            var fields = lines[i + 1].Split(',');
            Assert.Equal(15, fields.Length);
            Assert.Equal("", fields[9]);   // no weight averaging in this run
            Assert.Equal(["", "", "", "", ""], fields[10..]);   // no validation images held out, not MultiMNIST
            var values = fields.Take(9).Select(f => double.Parse(f, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
            var e = history[i];
            Assert.Equal(
                new[] { e.Epoch, e.LearningRate, e.TrainLoss, e.TrainAccuracy, e.TestLoss, e.TestAccuracy, e.TestError, e.EpochSeconds, e.TrainImagesPerSecond },
                values);
        }
    }

    [Fact]
    public void Metrics_csv_gives_the_validation_columns_of_a_run_that_holds_images_out()
    {
        var validated = History(1)[0] with { ValidationLoss = 0.25, ValidationAccuracy = 0.9875 };
        var row = MetricsWriter.ToCsv([validated]).Split('\n')[1].Split(',');
        Assert.Equal(["0.25", "0.9875", (1 - 0.9875).ToString("R", CultureInfo.InvariantCulture), "", ""], row[10..]);
    }

    [Fact]
    public void Metrics_csv_gives_the_at_least_one_columns_of_a_multimnist_run()
    {
        var pairs = History(1)[0] with { ValidationAccuracy = 0.75, ValidationAtLeastOneAccuracy = 0.96, TestAtLeastOneAccuracy = 0.97 };
        var row = MetricsWriter.ToCsv([pairs]).Split('\n')[1].Split(',');
        Assert.Equal(["0.96", "0.97"], row[13..]);
    }

    [Fact]
    public void Metrics_csv_gives_the_live_weights_accuracy_of_an_averaging_run()
    {
        var averaged = History(1)[0] with { UnaveragedTestAccuracy = 0.9875 };
        var row = MetricsWriter.ToCsv([averaged]).Split('\n')[1].Split(',');
        Assert.Equal("0.9875", row[9]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Metrics_json_holds_the_run_the_history_the_best_epoch_and_the_confusion_matrix(int epochs)
    {
        var history = History(epochs);
        var confusion = Confusion();
        TrainingReport.Write(folder, Run(), history, confusion, Sample());

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "metrics.json")));
        var root = json.RootElement;
        Assert.Equal(Run().Command, root.GetProperty("run").GetProperty("command").GetString());
        Assert.Equal(100, root.GetProperty("run").GetProperty("options").GetProperty("batchSize").GetInt32());
        Assert.Equal(epochs, root.GetProperty("history").GetArrayLength());
        Assert.Equal(history[^1].TestLoss, root.GetProperty("history")[epochs - 1].GetProperty("testLoss").GetDouble());
        int bestEpoch = history.OrderBy(e => e.TestError).First().Epoch;
        Assert.Equal(bestEpoch, root.GetProperty("bestEpoch").GetProperty("epoch").GetInt32());

        var latest = root.GetProperty("latestConfusion");
        var counts = latest.GetProperty("counts").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(c => c.GetInt32()).ToArray()).ToArray();
        Assert.Equal(confusion.ToJagged(), counts);
        Assert.Equal(confusion.Total, latest.GetProperty("total").GetInt32());
        var perClass = latest.GetProperty("perClassAccuracy").EnumerateArray().ToArray();
        Assert.Equal(10, perClass.Length);
        Assert.Equal(confusion.PerClassAccuracy()[3], perClass[3].GetDouble(), 12);
    }

    [Fact]
    public void Metrics_json_writes_a_digit_missing_from_the_test_set_as_null()
    {
        var confusion = new ConfusionMatrix();
        confusion.Add(1, 1);
        confusion.Add(2, 7);
        TrainingReport.Write(folder, Run(), History(1), confusion, Sample());

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "metrics.json")));
        var perClass = json.RootElement.GetProperty("latestConfusion").GetProperty("perClassAccuracy");
        Assert.Equal(JsonValueKind.Null, perClass[0].ValueKind);
        Assert.Equal(1.0, perClass[1].GetDouble());
        Assert.Equal(0.0, perClass[2].GetDouble());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Report_html_links_the_pictures_and_tabulates_every_epoch_and_the_confusion_matrix(int epochs)
    {
        var history = History(epochs);
        var confusion = Confusion();
        TrainingReport.Write(folder, Run(), history, confusion, Sample());

        string html = File.ReadAllText(Path.Combine(folder, "report.html"));
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.EndsWith("</html>\n", html);
        foreach (string picture in new[] { "loss.png", "accuracy.png", "reconstructions.png" })
            Assert.Contains($"<img src=\"{picture}\"", html);

        string epochTable = Between(html, "<table class=\"epochs\">", "</table>");
        Assert.Equal(epochs, Occurrences(epochTable, "<tr") - 1);   // minus the header row
        Assert.Contains(Percent(history[^1].TestError), epochTable);

        string confusionTable = Between(html, "<table class=\"confusion\">", "</table>");
        Assert.Equal(10, Occurrences(confusionTable, "class=\"diag\""));
        Assert.Contains($"<td class=\"diag\">{confusion.Counts[0, 0]}</td>", confusionTable);
        Assert.Equal(
            Enumerable.Range(0, 10).Sum(a => Enumerable.Range(0, 10).Count(p => a != p && confusion.Counts[a, p] > 0)),
            Occurrences(confusionTable, "class=\"off\""));
    }

    [Fact]
    public void Report_html_encodes_text_that_comes_from_outside()
    {
        var run = Run() with { Command = "capsnet-train --note \"<script>alert('x')</script>\" & more", Device = "cpu <b>" };
        TrainingReport.Write(folder, run, History(3), Confusion(), Sample());

        string html = File.ReadAllText(Path.Combine(folder, "report.html"));
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", html);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", html);
        Assert.Contains("&amp; more", html);
        Assert.Contains("cpu &lt;b&gt;", html);
    }

    [Fact]
    public void Writing_again_replaces_every_file_and_leaves_no_temporary_file()
    {
        TrainingReport.Write(folder, Run(), History(1), Confusion(), Sample());
        TrainingReport.Write(folder, Run(), History(3), Confusion(), Sample());

        Assert.Equal(4, File.ReadAllLines(Path.Combine(folder, "metrics.csv")).Length);
        Assert.Contains("After epoch 3", File.ReadAllText(Path.Combine(folder, "report.html")));
        Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
        Assert.Equal(ReportFiles.Order(), Directory.GetFiles(folder).Select(f => Path.GetFileName(f)).Order());
    }

    [Fact]
    public void A_write_that_fails_leaves_the_previous_file_whole()
    {
        string path = Path.Combine(folder, "metrics.csv");
        AtomicFile.WriteAllText(path, "before\n");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("half of the new"u8);
            throw new InvalidOperationException("disk full");
        }));

        Assert.Equal("before\n", File.ReadAllText(path));
        Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
    }

    [Fact]
    public void A_sample_whose_arrays_disagree_is_refused_with_a_clear_message()
    {
        var sample = Sample();
        var broken = sample with { Reconstructions = sample.Reconstructions[..784] };

        var error = Assert.Throws<ArgumentException>(() => TrainingReport.Write(folder, Run(), History(1), Confusion(), broken));
        Assert.Contains("Reconstructions", error.Message);
    }

    [Fact]
    public void Without_a_sample_the_report_leaves_the_grid_out()
    {
        TrainingReport.Write(folder, Run(), History(2), Confusion(), sample: null);

        Assert.False(File.Exists(Path.Combine(folder, "reconstructions.png")));
        Assert.DoesNotContain("reconstructions.png", File.ReadAllText(Path.Combine(folder, "report.html")));
    }

    private static RunDescription Run() => new(
        new TrainOptions { Seed = 42, BatchSize = 100, RoutingIterations = 3, LearningRate = 0.001, LearningRateDecay = 0.9 },
        "capsnet-train train --epochs 3 --note <script>alert(1)</script>", "cpu", 60000, 10000,
        new DateTimeOffset(2025, 11, 28, 14, 0, 0, TimeSpan.Zero));

    /// <summary>A plausible run: losses and errors falling, the test error flattening out, the learning rate
    /// decaying by 0.9 an epoch, values with many digits so that the CSV round trip is tested for real.</summary>
    private static List<EpochMetrics> History(int epochs) =>
        Enumerable.Range(1, epochs).Select(epoch => new EpochMetrics
        {
            Epoch = epoch,
            LearningRate = 0.001 * Math.Pow(0.9, epoch - 1),
            TrainLoss = 0.002 + 0.06 * Math.Exp(-(epoch - 1) / 1.5),
            TrainAccuracy = 1 - (0.001 + 0.07 * Math.Exp(-(epoch - 1) / 1.5)),
            TestLoss = 0.004 + 0.01 * Math.Exp(-(epoch - 1) / 4.0),
            TestAccuracy = 1 - (0.0034 + 0.007 * Math.Exp(-(epoch - 1) / 4.0)),
            EpochSeconds = 61.25 + epoch / 3.0,
            TrainImagesPerSecond = 60000 / (61.25 + epoch / 3.0),
        }).ToList();

    /// <summary>The real labels of 1000 test digits, every 37th one mistaken for the next digit.</summary>
    private static ConfusionMatrix Confusion()
    {
        var confusion = new ConfusionMatrix();
        var labels = TestDigits.Value.Labels;
        for (int i = 0; i < labels.Length; i++)
            confusion.Add(labels[i], i % 37 == 5 ? (labels[i] + 1) % 10 : labels[i]);
        return confusion;
    }

    /// <summary>The first real test digits; the "reconstruction" is a 3×3 box blur of each, and two of the ten are
    /// predicted wrong.</summary>
    private static ReconstructionSample Sample()
    {
        var digits = TestDigits.Value;
        var originals = new float[SampleSize * 784];
        var reconstructions = new float[SampleSize * 784];
        var labels = new int[SampleSize];
        var predictions = new int[SampleSize];
        for (int s = 0; s < SampleSize; s++)
        {
            var image = digits.Image(s);
            labels[s] = digits.Labels[s];
            predictions[s] = s is 3 or 8 ? (labels[s] + 1) % 10 : labels[s];
            for (int row = 0; row < 28; row++)
                for (int column = 0; column < 28; column++)
                {
                    originals[s * 784 + row * 28 + column] = image[row * 28 + column] / 255f;
                    float sum = 0;
                    int n = 0;
                    for (int dy = -1; dy <= 1; dy++)
                        for (int dx = -1; dx <= 1; dx++)
                            if (row + dy is >= 0 and < 28 && column + dx is >= 0 and < 28)
                            {
                                sum += image[(row + dy) * 28 + column + dx];
                                n++;
                            }
                    reconstructions[s * 784 + row * 28 + column] = sum / n / 255f;
                }
        }
        return new ReconstructionSample(originals, reconstructions, labels, predictions);
    }

    private SKBitmap Decode(string name)
    {
        var bitmap = SKBitmap.Decode(Path.Combine(folder, name));
        Assert.True(bitmap is not null, $"{name} is not an image SkiaSharp can decode");
        return bitmap!;
    }

    private static int CountPixels(SKBitmap bitmap, SKColor color)
    {
        int count = 0;
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
            {
                var pixel = bitmap.GetPixel(x, y);
                if (Math.Abs(pixel.Red - color.Red) + Math.Abs(pixel.Green - color.Green) + Math.Abs(pixel.Blue - color.Blue) < 30)
                    count++;
            }
        return count;
    }

    private static string Percent(double fraction) => (100 * fraction).ToString("0.00", CultureInfo.InvariantCulture) + " %";

    private static string Between(string text, string start, string end)
    {
        int from = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"'{start}' not found");
        int to = text.IndexOf(end, from, StringComparison.Ordinal);
        Assert.True(to >= 0, $"'{end}' not found after '{start}'");
        return text[from..to];
    }

    private static int Occurrences(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
            count++;
        return count;
    }
}
