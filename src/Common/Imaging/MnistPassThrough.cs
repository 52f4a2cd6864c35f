namespace CapsNetService.Common.Imaging;

/// <summary>
/// Recognises an upload that already is an MNIST image (28×28, opaque, grey, dark background; for MultiMNIST's frame,
/// 36×36) so that it is used as it is: a real MNIST digit or a generated MultiMNIST pair saved as a PNG must reach the
/// model unchanged, not re-cropped.
/// </summary>
internal static class MnistPassThrough
{
    /// <summary>The pixels / 255 when <paramref name="image"/> qualifies, otherwise null.</summary>
    public static float[]? TryTake(DecodedImage image, DigitFrame frame)
    {
        int side = frame.Side;
        if (image.OriginalWidth != side || image.OriginalHeight != side || image.Width != side || image.Height != side
            || image.Origin is not (SkiaSharp.SKEncodedOrigin.TopLeft or SkiaSharp.SKEncodedOrigin.Default))
            return null;
        var rgba = image.Rgba;
        var pixels = new float[side * side];
        for (int i = 0, p = 0; i < pixels.Length; i++, p += 4)
        {
            byte r = rgba[p];
            if (rgba[p + 3] != 255 || rgba[p + 1] != r || rgba[p + 2] != r) return null;
            pixels[i] = r / 255f;
        }
        return HasDarkBorder(pixels, side) ? pixels : null;
    }

    /// <summary>Whether most pixels of the one-pixel border are darker than mid grey.</summary>
    private static bool HasDarkBorder(float[] pixels, int side)
    {
        int dark = 0, all = 0;
        for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++)
        {
            if (y != 0 && y != side - 1 && x != 0 && x != side - 1) continue;
            all++;
            if (pixels[y * side + x] < 0.5f) dark++;
        }
        return dark * 2 > all;
    }
}
