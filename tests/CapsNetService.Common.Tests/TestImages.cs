using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
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
        var chunks = PngChunks.Read(GreyPng(pixels, width, height));
        var ihdr = chunks.First(c => c.Type == "IHDR").Data;
        if (ihdr[8] != 8 || ihdr[9] != 0) throw new InvalidOperationException("expected an 8-bit grey PNG");
        ihdr[9] = 3;
        var palette = new byte[256 * 3];
        for (int i = 0; i < 256; i++)
        {
            palette[i * 3] = Mix(paper.Red, ink.Red, i / 255f);
            palette[i * 3 + 1] = Mix(paper.Green, ink.Green, i / 255f);
            palette[i * 3 + 2] = Mix(paper.Blue, ink.Blue, i / 255f);
        }
        chunks.Insert(chunks.FindIndex(c => c.Type == "IDAT"), new PngChunk("PLTE", palette));
        return PngChunks.Write(chunks);
    }

    /// <summary>A real PNG whose IHDR then claims <paramref name="width"/> × <paramref name="height"/>
    /// (CRC fixed, so that the header is valid and only the pixel data is short).</summary>
    public static byte[] PngClaimingSize(byte[] png, int width, int height)
    {
        var chunks = PngChunks.Read(png);
        var ihdr = chunks.First(c => c.Type == "IHDR").Data;
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(0), width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        return PngChunks.Write(chunks);
    }

    /// <summary>A JPEG with an EXIF APP1 segment holding only the orientation tag (0x0112), inserted after the
    /// JFIF APP0 segment (SkiaSharp's JPEG encoder writes no EXIF).</summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        if (jpeg[0] != 0xFF || jpeg[1] != 0xD8) throw new InvalidOperationException("not a JPEG");
        int insertAt = 2;
        if (jpeg[2] == 0xFF && jpeg[3] == 0xE0) insertAt = 4 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(4));
        var tiff = new byte[26];
        "MM"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(4), 8);       // first IFD at offset 8
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(8), 1);       // one entry
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(10), 0x0112); // Orientation
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(12), 3);      // SHORT
        BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(14), 1);      // one value
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(18), orientation);
        // bytes 22..25: next IFD offset 0
        var segment = new List<byte> { 0xFF, 0xE1 };
        var payload = Encoding.ASCII.GetBytes("Exif\0\0").Concat(tiff).ToArray();
        segment.Add((byte)((payload.Length + 2) >> 8));
        segment.Add((byte)(payload.Length + 2));
        segment.AddRange(payload);
        return [.. jpeg.AsSpan(0, insertAt), .. segment, .. jpeg.AsSpan(insertAt)];
    }

    private static byte Mix(byte from, byte to, float t) => (byte)MathF.Round(from + (to - from) * t);
}

internal sealed record PngChunk(string Type, byte[] Data);

/// <summary>Splits a PNG into its chunks and joins them again, recomputing each CRC.</summary>
internal static class PngChunks
{
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static List<PngChunk> Read(byte[] png)
    {
        if (!png.AsSpan(0, 8).SequenceEqual(Signature)) throw new InvalidOperationException("not a PNG");
        var chunks = new List<PngChunk>();
        for (int at = 8; at < png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            string type = Encoding.ASCII.GetString(png, at + 4, 4);
            chunks.Add(new PngChunk(type, png.AsSpan(at + 8, length).ToArray()));
            at += 12 + length;
        }
        return chunks;
    }

    public static byte[] Write(IEnumerable<PngChunk> chunks)
    {
        using var output = new MemoryStream();
        output.Write(Signature);
        Span<byte> word = stackalloc byte[4];
        foreach (var chunk in chunks)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, chunk.Data.Length);
            output.Write(word);
            var typeAndData = Encoding.ASCII.GetBytes(chunk.Type).Concat(chunk.Data).ToArray();
            output.Write(typeAndData);
            BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typeAndData));
            output.Write(word);
        }
        return output.ToArray();
    }

    /// <summary>The CRC-32 of PNG chunks (ISO 3309, polynomial 0xEDB88320).</summary>
    public static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
