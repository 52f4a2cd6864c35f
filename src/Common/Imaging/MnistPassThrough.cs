namespace CapsNetService.Common.Imaging;

/// <summary>
/// Recognises an upload that already is an MNIST image (28×28, opaque, grey, dark background) so that it is
/// used as it is: a real MNIST digit saved as a PNG must reach the model unchanged, not re-cropped.
/// </summary>
internal static class MnistPassThrough
{
    private const int Side = ModelContract.ImageSide;

    /// <summary>The pixels / 255 when <paramref name="image"/> qualifies, otherwise null.</summary>
    public static float[]? TryTake(DecodedImage image)
    {
        if (image.OriginalWidth != Side || image.OriginalHeight != Side || image.Width != Side || image.Height != Side
            || image.Origin is not (SkiaSharp.SKEncodedOrigin.TopLeft or SkiaSharp.SKEncodedOrigin.Default))
            return null;
        var rgba = image.Rgba;
        var pixels = new float[Side * Side];
        for (int i = 0, p = 0; i < pixels.Length; i++, p += 4)
        {
            byte r = rgba[p];
            if (rgba[p + 3] != 255 || rgba[p + 1] != r || rgba[p + 2] != r) return null;
            pixels[i] = r / 255f;
        }
        return HasDarkBorder(pixels) ? pixels : null;
    }

    /// <summary>Whether most pixels of the one-pixel border are darker than mid grey.</summary>
    private static bool HasDarkBorder(float[] pixels)
    {
        int dark = 0, all = 0;
        for (int y = 0; y < Side; y++)
        for (int x = 0; x < Side; x++)
        {
            if (y != 0 && y != Side - 1 && x != 0 && x != Side - 1) continue;
            all++;
            if (pixels[y * Side + x] < 0.5f) dark++;
        }
        return dark * 2 > all;
    }
}
