using System.Runtime.InteropServices;
using CapsNetService.Common.Mnist;
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
    public static byte[] DecompressionBomb(int width = 100_000, int height = 100_000) => PngForge.ClaimedSize((uint)width, (uint)height);

    /// <summary>The first half of a real PNG: the signature is right, the data ends early.</summary>
    public static byte[] TruncatedPng() => Drawing(0, SKColors.Black, SKColors.White) is var whole ? whole[..(whole.Length / 2)] : [];

    /// <summary>Two MNIST test digits drawn over each other as a person might: dark ink on white paper,
    /// <paramref name="side"/> pixels square, the second digit shifted right and down by a sixth of the side.</summary>
    public static byte[] OverlappingDrawing(int first, int second, int side = 240)
    {
        using var surface = SKSurface.Create(new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        float size = side * 0.6f, shift = side / 6f, at = side * 0.1f;
        foreach (var (index, offset) in new[] { (first, 0f), (second, shift) })
        {
            using var digit = GreyBitmap(Mnist.Image(index).ToArray(), 28, 28);
            using var alpha = AlphaFromGrey(digit);
            canvas.DrawImage(alpha, SKRect.Create(at + offset, at + offset, size, size),
                             new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None), paint);
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>A rendered MultiMNIST pair (36×36 bytes, white on black) as an 8-bit greyscale PNG.</summary>
    public static byte[] MultiMnistPng(byte[] merged) => EncodeGrey(merged, MultiMnistContract.ImageSide, MultiMnistContract.ImageSide);

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
}
