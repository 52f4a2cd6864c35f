using System.Runtime.InteropServices;
using CapsNetService.Common.Mnist;
using CapsNetService.Tests;
using SkiaSharp;

namespace CapsNetService.Common.Tests;

/// <summary>
/// Real test images: MNIST test digits, drawn with SkiaSharp at any size and in any colours, encoded by
/// SkiaSharp's own PNG/JPEG/WebP encoders. Where SkiaSharp cannot write a variant (palette PNG, EXIF
/// orientation, an IHDR claiming a huge size) a SkiaSharp-encoded file is patched chunk by chunk, with the
/// CRCs recomputed: the pixel data always comes from the real encoder.
/// </summary>
internal static class TestImages
{
    private static MnistSet TestSet => RealMnist.Test;

    /// <summary>Test digit <paramref name="index"/>: 784 bytes, white (255) on black (0).</summary>
    public static byte[] MnistDigit(int index) => TestSet.Image(index).ToArray();

    public static float[] ToFloats(byte[] pixels) => Array.ConvertAll(pixels, p => p / 255f);

    /// <summary>An 8-bit single-channel (grey) PNG.</summary>
    public static byte[] GreyPng(byte[] pixels, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        if (pixels.Length != width * height) throw new ArgumentException("pixel count does not match the size");
        Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        return Png(bitmap);
    }

    /// <summary>The MNIST digit enlarged <paramref name="scale"/> times (bilinear) and painted as
    /// <paramref name="ink"/> on <paramref name="paper"/>, blending (unpremultiplied) by the digit's intensity;
    /// either colour may be transparent. Placed at (<paramref name="left"/>, <paramref name="top"/>) on a
    /// canvas of <paramref name="canvasWidth"/> × <paramref name="canvasHeight"/> (default: just the digit).</summary>
    public static SKBitmap Draw(byte[] digit, int scale, SKColor ink, SKColor paper,
                                int canvasWidth = 0, int canvasHeight = 0, int left = 0, int top = 0,
                                SKColorType colorType = SKColorType.Rgba8888)
    {
        int side = 28 * scale;
        if (canvasWidth == 0) canvasWidth = side;
        if (canvasHeight == 0) canvasHeight = side;
        using var small = new SKBitmap(new SKImageInfo(28, 28, SKColorType.Gray8, SKAlphaType.Opaque));
        Marshal.Copy(digit, 0, small.GetPixels(), digit.Length);
        using var large = small.Resize(new SKImageInfo(side, side, SKColorType.Gray8, SKAlphaType.Opaque),
                                       new SKSamplingOptions(SKFilterMode.Linear));
        var intensity = large.GetPixelSpan();

        using var rgba = new SKBitmap(new SKImageInfo(canvasWidth, canvasHeight, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var pixels = new byte[canvasWidth * canvasHeight * 4];
        for (int y = 0; y < canvasHeight; y++)
        for (int x = 0; x < canvasWidth; x++)
        {
            int dx = x - left, dy = y - top;
            float t = dx >= 0 && dy >= 0 && dx < side && dy < side ? intensity[dy * side + dx] / 255f : 0f;
            int p = (y * canvasWidth + x) * 4;
            pixels[p] = Mix(paper.Red, ink.Red, t);
            pixels[p + 1] = Mix(paper.Green, ink.Green, t);
            pixels[p + 2] = Mix(paper.Blue, ink.Blue, t);
            pixels[p + 3] = Mix(paper.Alpha, ink.Alpha, t);
        }
        Marshal.Copy(pixels, 0, rgba.GetPixels(), pixels.Length);
        if (colorType == SKColorType.Rgba8888) return rgba.Copy();
        var converted = new SKBitmap(new SKImageInfo(canvasWidth, canvasHeight, colorType, SKAlphaType.Unpremul));
        if (!rgba.CopyTo(converted, colorType)) throw new InvalidOperationException($"cannot convert to {colorType}");
        return converted;
    }

    /// <summary>A uniform image.</summary>
    public static SKBitmap Uniform(int width, int height, SKColor colour)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Erase(colour);
        return bitmap;
    }

    public static byte[] Png(SKBitmap bitmap)
    {
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(SKPngEncoderOptions.Default)
                         ?? throw new InvalidOperationException($"SkiaSharp cannot encode {bitmap.ColorType} as PNG");
        return data.ToArray();
    }

    public static byte[] Jpeg(SKBitmap bitmap, int quality = 85)
    {
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(new SKJpegEncoderOptions(quality, SKJpegEncoderDownsample.Downsample420,
                                                                SKJpegEncoderAlphaOption.Ignore))
                         ?? throw new InvalidOperationException("SkiaSharp cannot encode JPEG");
        return data.ToArray();
    }

    public static byte[] Webp(SKBitmap bitmap)
    {
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 75))
                         ?? throw new InvalidOperationException("SkiaSharp cannot encode WebP");
        return data.ToArray();
    }

    /// <summary>A palette (colour type 3) PNG showing the digit as <paramref name="ink"/> on
    /// <paramref name="paper"/>. SkiaSharp has no palette encoder, so an 8-bit grey PNG of the digit is written
    /// by SkiaSharp and its grey levels become palette indices: the IHDR colour type is set to 3 and a PLTE
    /// chunk (index i = paper blended towards ink by i/255) is inserted before the first IDAT. The IDAT
    /// stream is valid for both (8 bits per pixel, one byte per sample, same filters).</summary>
    public static byte[] PalettePng(byte[] pixels, int width, int height, SKColor ink, SKColor paper)
    {
        var palette = new byte[256 * 3];
        for (int i = 0; i < 256; i++)
        {
            palette[i * 3] = Mix(paper.Red, ink.Red, i / 255f);
            palette[i * 3 + 1] = Mix(paper.Green, ink.Green, i / 255f);
            palette[i * 3 + 2] = Mix(paper.Blue, ink.Blue, i / 255f);
        }
        return PngForge.WithPalette(GreyPng(pixels, width, height), palette);
    }

    /// <summary>A real PNG whose IHDR then claims <paramref name="width"/> × <paramref name="height"/>.</summary>
    public static byte[] PngClaimingSize(byte[] png, int width, int height) => PngForge.ClaimingSize(png, width, height);

    /// <summary>A JPEG with an EXIF orientation tag (SkiaSharp's JPEG encoder writes no EXIF).</summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation) => PngForge.WithExifOrientation(jpeg, orientation);

    private static byte Mix(byte from, byte to, float t) => (byte)MathF.Round(from + (to - from) * t);
}
