using SkiaSharp;

namespace CapsNetService.Common.Imaging;

/// <summary>
/// An upload decoded to premultiplied RGBA, 8 bits a channel, sRGB (row-major, 4 bytes a pixel, no padding),
/// possibly reduced in size for analysis. Owns the native pixel buffer: dispose it.
/// </summary>
internal sealed class DecodedImage(SKBitmap bitmap, int originalWidth, int originalHeight, SKEncodedOrigin origin)
    : IDisposable
{
    public int Width => bitmap.Width;
    public int Height => bitmap.Height;

    /// <summary>Width and height as stored in the file, before any reduction.</summary>
    public int OriginalWidth { get; } = originalWidth;
    public int OriginalHeight { get; } = originalHeight;

    /// <summary>How the stored pixels must be turned to be seen upright (EXIF orientation).</summary>
    public SKEncodedOrigin Origin { get; } = origin;

    /// <summary>R, G, B, A of each pixel, the colour premultiplied by A.</summary>
    public ReadOnlySpan<byte> Rgba => bitmap.GetPixelSpan();

    public void Dispose() => bitmap.Dispose();
}
