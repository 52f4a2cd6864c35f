using System.Buffers.Binary;
using System.Runtime.InteropServices;
using CapsNetService.Common.Mnist;
using CapsNetService.Tests;
using SkiaSharp;

namespace CapsNetService.Inference.Api.Tests.Support;

/// <summary>Real upload bytes: MNIST test digits as greyscale PNG, the same digits drawn as ink on paper or in
/// colour, blank pictures, a decompression bomb, broken files.</summary>
public static class TestImages
{
    private static MnistSet TestSet => RealMnist.Test;

    public static MnistSet Mnist => TestSet;

    public static int Label(int index) => Mnist.Labels[index];

    /// <summary>MNIST test digit <paramref name="index"/> as a 28×28 8-bit greyscale PNG, white on black.</summary>
    public static byte[] MnistPng(int index)
    {
        var pixels = Mnist.Image(index).ToArray();
        return EncodeGrey(pixels, 28, 28);
    }

    /// <summary>The digit as a person might draw it: dark <paramref name="ink"/> on light <paramref name="paper"/>,
    /// <paramref name="side"/> pixels square, the digit filling about two thirds of it.</summary>
    public static byte[] Drawing(int index, SKColor ink, SKColor paper, int side = 240,
                                 SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var digit = GreyBitmap(Mnist.Image(index).ToArray(), 28, 28);
        using var surface = SKSurface.Create(new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(paper);
        // The MNIST grey level is the ink's coverage: an alpha-only image is painted in the paint's colour.
        using var paint = new SKPaint { Color = ink, IsAntialias = true };
        float margin = side / 6f;
        using var alpha = AlphaFromGrey(digit);
        canvas.DrawImage(alpha, new SKRect(margin, margin, side - margin, side - margin),
                         new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None), paint);
        using var image = surface.Snapshot();
        using var data = image.Encode(format, 92);
        return data.ToArray();
    }

    /// <summary>A uniform picture: no digit at all.</summary>
    public static byte[] Blank(int width = 64, int height = 64, byte grey = 255) =>
        EncodeGrey(Enumerable.Repeat(grey, width * height).ToArray(), width, height);

    /// <summary>A real PNG whose header claims <paramref name="width"/>×<paramref name="height"/> pixels but whose
    /// data is tiny: it must be refused before any pixel is decoded.</summary>
    public static byte[] DecompressionBomb(int width = 100_000, int height = 100_000)
    {
        using var stream = new MemoryStream();
        stream.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth; colour type 0 (grey), deflate, adaptive filter, no interlace
        WriteChunk(stream, "IHDR", header);
        WriteChunk(stream, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        WriteChunk(stream, "IEND", []);
        return stream.ToArray();
    }

    /// <summary>The first half of a real PNG: the signature is right, the data ends early.</summary>
    public static byte[] TruncatedPng() => Drawing(0, SKColors.Black, SKColors.White) is var whole ? whole[..(whole.Length / 2)] : [];

    /// <summary>Bytes that are no image at all.</summary>
    public static byte[] NotAnImage() => "This is a text file, not a picture of a digit.\n"u8.ToArray();

    /// <summary>Decodes a PNG and returns its width, height and whether it is 8-bit greyscale (colour type 0).</summary>
    public static (int Width, int Height, bool Greyscale) Inspect(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png) ?? throw new InvalidDataException("not a decodable image");
        bool grey = png.Length > 25 && png[24] == 8 && png[25] == 0; // IHDR bit depth and colour type
        return (bitmap.Width, bitmap.Height, grey);
    }

    private static byte[] EncodeGrey(byte[] pixels, int width, int height)
    {
        using var bitmap = GreyBitmap(pixels, width, height);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static SKBitmap GreyBitmap(byte[] pixels, int width, int height)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        return bitmap;
    }

    private static SKImage AlphaFromGrey(SKBitmap grey)
    {
        var alpha = new SKBitmap(new SKImageInfo(grey.Width, grey.Height, SKColorType.Alpha8, SKAlphaType.Premul));
        Marshal.Copy(grey.Bytes, 0, alpha.GetPixels(), grey.Width * grey.Height);
        return SKImage.FromBitmap(alpha);
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        stream.Write(length);
        var typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        stream.Write(typeBytes);
        stream.Write(data);
        Span<byte> checksum = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(checksum, Crc32([.. typeBytes, .. data]));
        stream.Write(checksum);
    }

    /// <summary>The CRC-32 (ISO-HDLC, as in PNG and zlib) of <paramref name="bytes"/>.</summary>
    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
