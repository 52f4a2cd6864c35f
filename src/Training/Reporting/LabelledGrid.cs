using SkiaSharp;

namespace CapsNetService.Training.Reporting;

/// <summary>
/// The page both reconstruction grids draw on: cells in rows on white, each a strip of upscaled panels over a centred
/// label, the label red and the cell framed in red when the model was wrong (the frame reads even where no font is
/// installed; the HTML report then gives the labels in text).
/// </summary>
internal static class LabelledGrid
{
    private const int CellGap = 14;
    private const int Border = 12;
    private const int LabelHeight = 22;
    private const float LabelSize = 15;

    private static readonly SKColor Background = SKColors.White;
    private static readonly SKColor CorrectText = new(0x33, 0x33, 0x33);
    private static readonly SKColor Wrong = new(0xD6, 0x27, 0x28);

    /// <summary>Panels are enlarged without smoothing, so each model pixel stays visible.</summary>
    public static readonly SKSamplingOptions Nearest = new(SKFilterMode.Nearest, SKMipmapMode.None);

    /// <param name="drawCell">Draws the panels of cell i with their top-left corner at (x, y).</param>
    public static byte[] Render(int count, int columns, int cellWidth, int panelHeight,
                                Action<SKCanvas, int, int, int> drawCell, Func<int, string> label, Func<int, bool> wrong)
    {
        int rows = (count + columns - 1) / columns;
        var typeface = ReportFonts.Sans;
        int labelHeight = typeface is null ? 0 : LabelHeight;
        int cellHeight = panelHeight + labelHeight;
        int width = 2 * Border + columns * cellWidth + (columns - 1) * CellGap;
        int height = 2 * Border + rows * cellHeight + (rows - 1) * CellGap;

        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("Skia could not create a drawing surface.");
        var canvas = surface.Canvas;
        canvas.Clear(Background);
        using var font = typeface is null ? null : new SKFont(typeface, LabelSize) { Subpixel = true };
        using var frame = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Stroke, StrokeWidth = 2, Color = Wrong };
        using var text = new SKPaint { IsAntialias = true };

        for (int i = 0; i < count; i++)
        {
            int x = Border + i % columns * (cellWidth + CellGap);
            int y = Border + i / columns * (cellHeight + CellGap);
            drawCell(canvas, i, x, y);
            bool isWrong = wrong(i);
            if (isWrong) canvas.DrawRect(x - 3, y - 3, cellWidth + 6, cellHeight + 6, frame);
            if (font is not null)
            {
                text.Color = isWrong ? Wrong : CorrectText;
                font.Embolden = isWrong;
                float baseline = y + panelHeight + labelHeight / 2f + LabelSize * 0.36f;
                canvas.DrawText(label(i), x + cellWidth / 2f, baseline, SKTextAlign.Center, font, text);
            }
        }

        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("Skia could not encode the reconstruction grid as PNG.");
        return png.ToArray();
    }

    /// <summary>A model's pixel in [0, 1] as a byte; NaN (a diverged model) is black.</summary>
    public static byte PixelByte(float value) =>
        (byte)MathF.Round((float.IsNaN(value) ? 0 : Math.Clamp(value, 0f, 1f)) * 255);
}
