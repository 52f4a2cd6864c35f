using System.Runtime.InteropServices;
using CapsNetService.Common.Mnist;
using SkiaSharp;

namespace CapsNetService.LoadTest.Images;

/// <summary>
/// Real MNIST test digits, encoded by SkiaSharp as the uploads people send: the 28×28 greyscale PNG itself, the digit
/// drawn larger as dark ink on light paper (PNG with alpha, or JPEG).
/// </summary>
public sealed class MnistDigits
{
    public const string ImagesFile = "t10k-images-idx3-ubyte.gz";
    public const string LabelsFile = "t10k-labels-idx1-ubyte.gz";

    private readonly MnistSet _set;

    private MnistDigits(MnistSet set) => _set = set;

    public int Count => _set.Count;

    public static MnistDigits Load(string directory) => new(MnistIdxReader.ReadSet(
        Path.Combine(directory, ImagesFile), Path.Combine(directory, LabelsFile)));

    /// <summary>The MNIST folder: the one given, else CAPSNET_MNIST_DIR, else ../shared/mnist beside the clone, else data/mnist.</summary>
    public static string LocateDirectory(string? given)
    {
        if (!string.IsNullOrWhiteSpace(given)) return Path.GetFullPath(given);
        if (Environment.GetEnvironmentVariable("CAPSNET_MNIST_DIR") is { Length: > 0 } named) return Path.GetFullPath(named);
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "CapsNetService.sln")))
                {
                    var shared = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "mnist"));
                    if (File.Exists(Path.Combine(shared, ImagesFile))) return shared;
                    return Path.Combine(dir.FullName, "data", "mnist");
                }
        return Path.GetFullPath(Path.Combine("data", "mnist"));
    }

    public int Label(int index) => _set.Labels[index];

    /// <summary>Digit <paramref name="index"/> as a 28×28 8-bit greyscale PNG, white on black: an MNIST image as is.</summary>
    public byte[] Png(int index)
    {
        using var bitmap = Grey(index);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>The digit drawn as dark ink on light paper, <paramref name="side"/> pixels square (RGBA PNG or JPEG).</summary>
    public byte[] Drawing(int index, int side, SKEncodedImageFormat format)
    {
        using var digit = Grey(index);
        using var surface = SKSurface.Create(new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(new SKColor(250, 248, 240));
        using var alpha = new SKBitmap(new SKImageInfo(28, 28, SKColorType.Alpha8, SKAlphaType.Premul));
        Marshal.Copy(_set.Image(index).ToArray(), 0, alpha.GetPixels(), 28 * 28);
        using var image = SKImage.FromBitmap(alpha);
        using var paint = new SKPaint { Color = new SKColor(20, 30, 90), IsAntialias = true };
        float margin = side / 6f;
        canvas.DrawImage(image, new SKRect(margin, margin, side - margin, side - margin),
                         new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None), paint);
        using var snapshot = surface.Snapshot();
        using var data = snapshot.Encode(format, 90);
        return data.ToArray();
    }

    /// <summary>A uniform light picture: no digit in it.</summary>
    public static byte[] Blank(int side, byte grey)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(side, side, SKColorType.Gray8, SKAlphaType.Opaque));
        bitmap.Erase(new SKColor(grey, grey, grey));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>A real WebP picture (a format SkiaSharp reads but the service does not accept).</summary>
    public byte[] Webp(int index)
    {
        using var bitmap = Grey(index);
        using var data = bitmap.Encode(SKEncodedImageFormat.Webp, 90);
        return data.ToArray();
    }

    private SKBitmap Grey(int index)
    {
        var bitmap = new SKBitmap(new SKImageInfo(28, 28, SKColorType.Gray8, SKAlphaType.Opaque));
        Marshal.Copy(_set.Image(index).ToArray(), 0, bitmap.GetPixels(), 28 * 28);
        return bitmap;
    }
}
