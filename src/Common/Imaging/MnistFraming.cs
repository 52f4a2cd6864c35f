using System.Runtime.InteropServices;
using SkiaSharp;

namespace CapsNetService.Common.Imaging;

/// <summary>
/// Frames a digit the way MNIST was made: crop to the ink's bounding box, scale (keeping the aspect ratio)
/// so that the longer side is 20 pixels, put the 20×20 box in the middle of a 28×28 field, then shift it so that
/// the centre of mass falls on pixel (14, 14) (pixel indices, as in MNIST), as far as that cuts nothing off. Another
/// <see cref="DigitFrame"/> (MultiMNIST's 23-pixel box in 36×36) is made the same way with its own sizes.
/// </summary>
internal static class MnistFraming
{

    // Linear filtering between mipmap levels: area-averaging when shrinking, bilinear when enlarging.
    private static readonly SKSamplingOptions Sampling = new(SKFilterMode.Linear, SKMipmapMode.Linear);

    /// <summary>The model input (<paramref name="frame"/>'s side squared) for a map whose ink is in [0, 1] and not all zero.</summary>
    public static float[] Frame(InkMap ink, DigitFrame frame)
    {
        int boxSide = frame.BoxSide;
        var (left, top, right, bottom) = BoundingBox(ink);
        int boxWidth = right - left + 1, boxHeight = bottom - top + 1;
        double scale = (double)boxSide / Math.Max(boxWidth, boxHeight);
        int width = Math.Clamp((int)Math.Round(boxWidth * scale), 1, boxSide);
        int height = Math.Clamp((int)Math.Round(boxHeight * scale), 1, boxSide);

        var cropped = new byte[boxWidth * boxHeight];
        for (int y = 0; y < boxHeight; y++)
        for (int x = 0; x < boxWidth; x++)
            cropped[y * boxWidth + x] = (byte)MathF.Round(ink[left + x, top + y] * 255f);

        var scaled = new byte[width * height];
        Scale(cropped, boxWidth, boxHeight, scaled, width, height);
        return Place(scaled, width, height, frame);
    }

    private static (int Left, int Top, int Right, int Bottom) BoundingBox(InkMap ink)
    {
        int left = ink.Width, top = ink.Height, right = -1, bottom = -1;
        for (int y = 0; y < ink.Height; y++)
        {
            var row = ink.Values.AsSpan(y * ink.Width, ink.Width);
            int first = row.IndexOfAnyExcept(0f);
            if (first < 0) continue;
            int last = row.LastIndexOfAnyExcept(0f);
            left = Math.Min(left, first);
            right = Math.Max(right, last);
            top = Math.Min(top, y);
            bottom = y;
        }
        if (right < 0) throw new ArgumentException("the ink map holds no ink", nameof(ink));
        return (left, top, right, bottom);
    }

    /// <summary>Resamples one 8-bit grey image into another with SkiaSharp (no colour management).</summary>
    private static void Scale(byte[] source, int sourceWidth, int sourceHeight, byte[] target, int width, int height)
    {
        var sourceHandle = GCHandle.Alloc(source, GCHandleType.Pinned);
        var targetHandle = GCHandle.Alloc(target, GCHandleType.Pinned);
        try
        {
            using var sourcePixels = new SKPixmap(
                new SKImageInfo(sourceWidth, sourceHeight, SKColorType.Gray8, SKAlphaType.Opaque),
                sourceHandle.AddrOfPinnedObject());
            using var targetPixels = new SKPixmap(
                new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque),
                targetHandle.AddrOfPinnedObject());
            if (!sourcePixels.ScalePixels(targetPixels, Sampling))
                throw new InvalidOperationException("SkiaSharp could not scale the digit.");
        }
        finally
        {
            sourceHandle.Free();
            targetHandle.Free();
        }
    }

    /// <summary>Centres the box, then moves its centre of mass onto the frame's middle ((14, 14) in 28×28) without cutting anything off.
    /// The strongest pixel becomes 1, as in MNIST (thin strokes fade when shrunk; this restores their contrast).</summary>
    private static float[] Place(byte[] scaled, int width, int height, DigitFrame frame)
    {
        int side = frame.Side;
        float centre = frame.Centre;
        int x0 = (side - width) / 2, y0 = (side - height) / 2;
        double mass = 0, sumX = 0, sumY = 0;
        float strongest = 0;
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            double v = scaled[y * width + x];
            mass += v;
            strongest = MathF.Max(strongest, (float)v);
            sumX += v * (x0 + x);
            sumY += v * (y0 + y);
        }
        int dx = 0, dy = 0;
        if (mass > 0)
        {
            dx = Math.Clamp((int)Math.Round(centre - sumX / mass), -x0, side - width - x0);
            dy = Math.Clamp((int)Math.Round(centre - sumY / mass), -y0, side - height - y0);
        }

        var pixels = new float[side * side];
        if (strongest == 0) return pixels;
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
            pixels[(y0 + dy + y) * side + x0 + dx + x] = scaled[y * width + x] / strongest;
        return pixels;
    }
}
