using SkiaSharp;
using CapsNetService.Training.Run;
using CapsNetService.Training.IO;

namespace CapsNetService.Training.Reporting;

/// <summary>
/// A picture of what the decoder makes of a few test digits: for each sample a pair (original | reconstruction),
/// upscaled ×3 with nearest-neighbour sampling, over a label "true→predicted" that is red when the prediction is
/// wrong (the pair is then framed in red too, so the picture reads even where no font is installed and the labels
/// cannot be drawn; see <see cref="DrawsLabels"/>).
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
    private const int CellGap = 14;
    private const int Border = 12;
    private const int LabelHeight = 22;
    private const float LabelSize = 15;

    private static readonly SKColor Background = SKColors.White;
    private static readonly SKColor PairBackground = new(0x80, 0x80, 0x80);
    private static readonly SKColor CorrectText = new(0x33, 0x33, 0x33);
    private static readonly SKColor Wrong = new(0xD6, 0x27, 0x28);

    /// <summary>Whether the labels are drawn into the picture; false when the machine has no usable font, and the
    /// report must then show them in text.</summary>
    public static bool DrawsLabels => ReportFonts.Sans is not null;

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
        int count = sample.Count;
        int columns = Columns(count);
        int rows = (count + columns - 1) / columns;
        var typeface = ReportFonts.Sans;
        int labelHeight = typeface is null ? 0 : LabelHeight;
        int cellHeight = Digit + labelHeight;
        int width = 2 * Border + columns * PairWidth + (columns - 1) * CellGap;
        int height = 2 * Border + rows * cellHeight + (rows - 1) * CellGap;

        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("Skia could not create a drawing surface.");
        var canvas = surface.Canvas;
        canvas.Clear(Background);

        using var font = typeface is null ? null : new SKFont(typeface, LabelSize) { Subpixel = true };
        using var fill = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Fill };
        using var frame = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Stroke, StrokeWidth = 2, Color = Wrong };
        using var text = new SKPaint { IsAntialias = true };
        var nearest = new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None);

        for (int i = 0; i < count; i++)
        {
            int x = Border + i % columns * (PairWidth + CellGap);
            int y = Border + i / columns * (cellHeight + CellGap);
            bool wrong = sample.Labels[i] != sample.Predictions[i];

            fill.Color = PairBackground;
            canvas.DrawRect(x + Digit, y, PairGap, Digit, fill);
            DrawDigit(canvas, sample.Originals, i, new SKRect(x, y, x + Digit, y + Digit), nearest);
            DrawDigit(canvas, sample.Reconstructions, i, new SKRect(x + Digit + PairGap, y, x + PairWidth, y + Digit), nearest);

            if (wrong) canvas.DrawRect(x - 3, y - 3, PairWidth + 6, cellHeight + 6, frame);

            if (font is not null)
            {
                text.Color = wrong ? Wrong : CorrectText;
                font.Embolden = wrong;
                float baseline = y + Digit + labelHeight / 2f + LabelSize * 0.36f;
                canvas.DrawText(Label(sample, i), x + PairWidth / 2f, baseline, SKTextAlign.Center, font, text);
            }
        }

        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("Skia could not encode the reconstruction grid as PNG.");
        return png.ToArray();
    }

    private static void DrawDigit(SKCanvas canvas, float[] images, int index, SKRect destination, SKSamplingOptions sampling)
    {
        var gray = new byte[Pixels];
        var source = images.AsSpan(index * Pixels, Pixels);
        for (int p = 0; p < Pixels; p++)
        {
            float value = float.IsNaN(source[p]) ? 0 : Math.Clamp(source[p], 0f, 1f);
            gray[p] = (byte)MathF.Round(value * 255);
        }
        using var digit = SKImage.FromPixelCopy(new SKImageInfo(Side, Side, SKColorType.Gray8, SKAlphaType.Opaque), gray)
            ?? throw new InvalidOperationException("Skia could not build a 28×28 image.");
        canvas.DrawImage(digit, destination, sampling);
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
