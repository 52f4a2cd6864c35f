namespace CapsNetService.Common.Imaging;

/// <summary>
/// Finds the ink of a decoded image, whatever its colours and transparency.
/// <para>
/// The background is estimated as the per-channel median of the pixels along the image's border (premultiplied
/// R, G, B and alpha), so paper of any colour, a dark canvas, or a transparent canvas are all recognised.
/// </para>
/// <para>
/// The ink at a pixel is how much it differs from that background when both are shown over black and over
/// white, taking the larger of the two: with premultiplied colours <c>P</c> (alpha <c>a</c>) and <c>B</c>
/// (alpha <c>b</c>), over black the difference is <c>P − B</c>, over white <c>P − B + (b − a)</c>; its size is
/// the luma-weighted distance <c>√(0.299 ΔR² + 0.587 ΔG² + 0.114 ΔB²)</c>, in [0, 1]. For opaque images this is
/// simply the colour contrast to the paper (blue ink on yellow paper counts as ink as much as black on white);
/// for a transparent canvas it is alpha × the stroke's contrast to whichever backdrop shows it best, so dark
/// strokes and light strokes on transparency both count; for the anti-aliased edge of a stroke it is
/// proportional to its coverage.
/// </para>
/// </summary>
internal static class InkExtractor
{
    private const float RedWeight = 0.299f, GreenWeight = 0.587f, BlueWeight = 0.114f;

    /// <summary>The ink map (not yet normalised), its largest value, and whether the ink is darker than the
    /// background (a digit to be inverted).</summary>
    public static (InkMap Ink, float MaxInk, bool DarkInk) Extract(DecodedImage image)
    {
        var rgba = image.Rgba;
        int width = image.Width, height = image.Height;
        var (bgR, bgG, bgB, bgA) = EstimateBackground(rgba, width, height);

        var ink = new float[width * height];
        float maxInk = 0;
        double signedLuma = 0;
        for (int i = 0, p = 0; i < ink.Length; i++, p += 4)
        {
            float a = rgba[p + 3] / 255f;
            // Premultiplied difference over a black backdrop, and the shift a white backdrop adds.
            float dr = rgba[p] / 255f - bgR, dg = rgba[p + 1] / 255f - bgG, db = rgba[p + 2] / 255f - bgB;
            float overWhite = bgA - a;
            float overBlack2 = RedWeight * dr * dr + GreenWeight * dg * dg + BlueWeight * db * db;
            float wr = dr + overWhite, wg = dg + overWhite, wb = db + overWhite;
            float overWhite2 = RedWeight * wr * wr + GreenWeight * wg * wg + BlueWeight * wb * wb;
            float value = MathF.Sqrt(MathF.Max(overBlack2, overWhite2));
            ink[i] = value;
            if (value > maxInk) maxInk = value;
            // Lighter or darker than the background, both shown over mid grey, weighted by the ink.
            float halfway = RedWeight * dr + GreenWeight * dg + BlueWeight * db + overWhite / 2;
            signedLuma += value * halfway;
        }
        return (new InkMap(ink, width, height), maxInk, signedLuma < 0);
    }

    /// <summary>Per-channel medians of the premultiplied RGBA of a border ring about 1/32 of the shorter
    /// side thick (at least one pixel), each in [0, 1].</summary>
    private static (float R, float G, float B, float A) EstimateBackground(ReadOnlySpan<byte> rgba, int width, int height)
    {
        int ring = Math.Max(1, Math.Min(width, height) / 32);
        Span<int> histogram = stackalloc int[4 * 256];
        histogram.Clear();
        int count = 0;
        for (int y = 0; y < height; y++)
        {
            bool wholeRow = y < ring || y >= height - ring;
            for (int x = 0; x < width; x++)
            {
                if (!wholeRow && x == ring && width - ring > ring)
                    x = width - ring; // skip the interior of the row
                int p = (y * width + x) * 4;
                histogram[rgba[p]]++;
                histogram[256 + rgba[p + 1]]++;
                histogram[512 + rgba[p + 2]]++;
                histogram[768 + rgba[p + 3]]++;
                count++;
            }
        }
        return (Median(histogram[..256], count), Median(histogram[256..512], count),
                Median(histogram[512..768], count), Median(histogram[768..], count));
    }

    private static float Median(ReadOnlySpan<int> histogram, int count)
    {
        int half = (count + 1) / 2, seen = 0;
        for (int v = 0; v < histogram.Length; v++)
        {
            seen += histogram[v];
            if (seen >= half) return v / 255f;
        }
        return 1f;
    }
}
