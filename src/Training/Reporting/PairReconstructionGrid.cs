using CapsNetService.Common.MultiMnist;
using CapsNetService.Training.IO;
using CapsNetService.Training.TwoDigits;
using SkiaSharp;

namespace CapsNetService.Training.Reporting;

/// <summary>
/// The paper's Figure 5 for a MultiMNIST run: for each sample of validation pairs, four 36×36 panels upscaled ×3 —
/// the input, the decoder's two reconstructions overlaid (first predicted digit in red, second in green, yellow
/// where both draw), and each reconstruction alone (in its colour) — over a label "L:a,b P:c,d" (labels, the two
/// predicted digits), red and framed when the two predictions are not exactly the two labels (<see cref="LabelledGrid"/>).
/// </summary>
public static class PairReconstructionGrid
{
    public const string FileName = "multimnist-reconstructions.png";
    public const int Scale = 3;

    private const int Side = MultiMnistCanvas.Side;
    private const int Pixels = Side * Side;
    private const int Panel = Side * Scale;          // 108 px
    private const int PanelGap = 2;
    private const int CellWidth = 4 * Panel + 3 * PanelGap;
    private const int Columns = 2;

    private static readonly SKColor PanelGapColor = new(0x80, 0x80, 0x80);

    /// <summary>Whether both digits of sample <paramref name="i"/> were found.</summary>
    public static bool BothCorrect(PairSample sample, int i) =>
        (sample.FirstPredictions[i] == sample.FirstLabels[i] && sample.SecondPredictions[i] == sample.SecondLabels[i])
        || (sample.FirstPredictions[i] == sample.SecondLabels[i] && sample.SecondPredictions[i] == sample.FirstLabels[i]);

    /// <summary>The label of sample <paramref name="i"/>, e.g. "L:3,7 P:7,3".</summary>
    public static string Label(PairSample sample, int i) =>
        $"L:{sample.FirstLabels[i]},{sample.SecondLabels[i]} P:{sample.FirstPredictions[i]},{sample.SecondPredictions[i]}";

    public static void Write(string runDirectory, PairSample sample)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runDirectory);
        AtomicFile.WriteAllBytes(Path.Combine(runDirectory, FileName), Render(sample));
    }

    public static byte[] Render(PairSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        int count = sample.Count;
        if (count == 0 || !sample.HasReconstructions)
            throw new ArgumentException("The sample holds no pairs with reconstructions.", nameof(sample));
        if (sample.Images.Length != count * Pixels || sample.FirstReconstructions.Length != count * Pixels
            || sample.SecondReconstructions.Length != count * Pixels)
            throw new ArgumentException($"{count} pairs need {count * Pixels} floats per image set.", nameof(sample));

        using var gaps = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Fill, Color = PanelGapColor };
        return LabelledGrid.Render(count, Math.Min(Columns, count), CellWidth, Panel, (canvas, i, x, y) =>
            {
                var input = sample.Images.AsSpan(i * Pixels, Pixels);
                var first = sample.FirstReconstructions.AsSpan(i * Pixels, Pixels);
                var second = sample.SecondReconstructions.AsSpan(i * Pixels, Pixels);
                canvas.DrawRect(x, y, CellWidth, Panel, gaps);
                Draw(canvas, input, input, input, x, y);
                Draw(canvas, first, second, default, x + Panel + PanelGap, y);
                Draw(canvas, first, default, default, x + 2 * (Panel + PanelGap), y);
                Draw(canvas, default, second, default, x + 3 * (Panel + PanelGap), y);
            },
            i => Label(sample, i), i => !BothCorrect(sample, i));
    }

    /// <summary>One 36×36 panel from three channels (an empty span is black in that channel).</summary>
    private static void Draw(SKCanvas canvas, ReadOnlySpan<float> red, ReadOnlySpan<float> green, ReadOnlySpan<float> blue,
                             int x, int y)
    {
        var rgba = new byte[Pixels * 4];
        for (int p = 0; p < Pixels; p++)
        {
            rgba[4 * p] = Byte(red, p);
            rgba[4 * p + 1] = Byte(green, p);
            rgba[4 * p + 2] = Byte(blue, p);
            rgba[4 * p + 3] = 255;
        }
        using var panel = SKImage.FromPixelCopy(new SKImageInfo(Side, Side, SKColorType.Rgba8888, SKAlphaType.Opaque), rgba)
            ?? throw new InvalidOperationException("Skia could not build a 36×36 image.");
        canvas.DrawImage(panel, new SKRect(x, y, x + Panel, y + Panel), LabelledGrid.Nearest);
    }

    private static byte Byte(ReadOnlySpan<float> channel, int p) => channel.IsEmpty ? (byte)0 : LabelledGrid.PixelByte(channel[p]);
}
