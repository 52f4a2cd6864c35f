using System.Runtime.InteropServices;
using SkiaSharp;

namespace CapsNetService.Inference.Api.Prediction;

/// <summary>Encodes an image of values in [0, 1] (0 = black; 28×28 unless a side is given) as an 8-bit greyscale PNG.</summary>
public static class GreyscalePng
{
    private const int Side = ModelContract.ImageSide;

    public static byte[] Encode(ReadOnlySpan<float> pixels)
    {
        if (pixels.Length != ModelContract.ImagePixels)
            throw new ArgumentException($"{pixels.Length} values are not a {Side}×{Side} image", nameof(pixels));
        var grey = new byte[ModelContract.ImagePixels];
        for (int i = 0; i < grey.Length; i++)
            grey[i] = ToGrey(pixels[i]);
        return Encode(grey, Side, Side);
    }

    /// <summary>A model pixel value in [0, 1] as an 8-bit grey level (clamped, rounded to nearest).</summary>
    public static byte ToGrey(float value) => (byte)MathF.Round(Math.Clamp(value, 0f, 1f) * 255f);

    /// <summary>Encodes <paramref name="width"/> × <paramref name="height"/> grey levels, row-major, as an 8-bit greyscale PNG.</summary>
    public static byte[] Encode(byte[] grey, int width, int height)
    {
        if (grey.Length != width * height)
            throw new ArgumentException($"{grey.Length} grey levels are not a {width}×{height} image", nameof(grey));
        var handle = GCHandle.Alloc(grey, GCHandleType.Pinned);
        try
        {
            using var pixmap = new SKPixmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque),
                                            handle.AddrOfPinnedObject());
            using var data = pixmap.Encode(SKPngEncoderOptions.Default)
                ?? throw new InvalidOperationException("SkiaSharp could not encode the PNG.");
            return data.ToArray();
        }
        finally
        {
            handle.Free();
        }
    }

    public static string EncodeBase64(ReadOnlySpan<float> pixels) => Convert.ToBase64String(Encode(pixels));

    /// <summary>A square image of any side (36×36 for the overlapping-digits model) as a base64 greyscale PNG.</summary>
    public static string EncodeBase64(ReadOnlySpan<float> pixels, int side)
    {
        if (pixels.Length != side * side)
            throw new ArgumentException($"{pixels.Length} values are not a {side}×{side} image", nameof(pixels));
        var grey = new byte[pixels.Length];
        for (int i = 0; i < grey.Length; i++) grey[i] = ToGrey(pixels[i]);
        return Convert.ToBase64String(Encode(grey, side, side));
    }
}
