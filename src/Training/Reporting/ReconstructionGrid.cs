using SkiaSharp;
using CapsNetService.Training.Run;
using CapsNetService.Training.IO;

namespace CapsNetService.Training.Reporting;

/// <summary>
/// A picture of what the decoder makes of a few test digits: for each sample a pair (original | reconstruction),
/// upscaled ×3 with nearest-neighbour sampling, over a label "true→predicted", red and framed when the prediction is
/// wrong (<see cref="LabelledGrid"/>).
/// </summary>
public static class ReconstructionGrid
{
    public const string FileName = "reconstructions.png";
    public const int Scale = 3;

    private const int Side = 28;
    private const int Pixels = Side * Side;
    private const int Digit = Side * Scale;          // 84 px
    private const int PairGap = 2;                   // between original and reconstruction
    private const int PairWidth = 2 * Digit + PairGap;

    private static readonly SKColor PairBackground = new(0x80, 0x80, 0x80);

    /// <summary>How many pairs go on one row for <paramref name="count"/> samples (row-major order).</summary>
    internal static int Columns(int count) => count <= 5 ? Math.Max(count, 1) : count <= 10 ? 5 : 8;

    /// <summary>The label of sample <paramref name="index"/>, e.g. "7→7".</summary>
    private static string Label(ReconstructionSample sample, int index) =>
        $"{sample.Labels[index]}{ReportFonts.Arrow}{sample.Predictions[index]}";

    public static void Write(string runDirectory, ReconstructionSample sample)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runDirectory);
        AtomicFile.WriteAllBytes(Path.Combine(runDirectory, FileName), Render(sample));
    }

    public static byte[] Render(ReconstructionSample sample)
    {
        Validate(sample);
        using var gap = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Fill, Color = PairBackground };
        return LabelledGrid.Render(sample.Count, Columns(sample.Count), PairWidth, Digit, (canvas, i, x, y) =>
            {
                canvas.DrawRect(x + Digit, y, PairGap, Digit, gap);
                DrawDigit(canvas, sample.Originals, i, new SKRect(x, y, x + Digit, y + Digit));
                DrawDigit(canvas, sample.Reconstructions, i, new SKRect(x + Digit + PairGap, y, x + PairWidth, y + Digit));
            },
            i => Label(sample, i), i => sample.Labels[i] != sample.Predictions[i]);
    }

    private static void DrawDigit(SKCanvas canvas, float[] images, int index, SKRect destination)
    {
        var gray = new byte[Pixels];
        var source = images.AsSpan(index * Pixels, Pixels);
        for (int p = 0; p < Pixels; p++) gray[p] = LabelledGrid.PixelByte(source[p]);
        using var digit = SKImage.FromPixelCopy(new SKImageInfo(Side, Side, SKColorType.Gray8, SKAlphaType.Opaque), gray)
            ?? throw new InvalidOperationException("Skia could not build a 28×28 image.");
        canvas.DrawImage(digit, destination, LabelledGrid.Nearest);
    }

    private static void Validate(ReconstructionSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        int count = sample.Count;
        if (count == 0) throw new ArgumentException("The reconstruction sample holds no images.", nameof(sample));
        if (sample.Predictions.Length != count)
            throw new ArgumentException($"The sample has {count} labels but {sample.Predictions.Length} predictions.", nameof(sample));
        if (sample.Originals.Length != count * Pixels)
            throw new ArgumentException($"Originals hold {sample.Originals.Length} floats; {count} images of 28×28 need {count * Pixels}.", nameof(sample));
        if (sample.Reconstructions.Length != count * Pixels)
            throw new ArgumentException($"Reconstructions hold {sample.Reconstructions.Length} floats; {count} images of 28×28 need {count * Pixels}.", nameof(sample));
    }
}
