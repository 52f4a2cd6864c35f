using SkiaSharp;

namespace CapsNetService.Inference.Api.Tests.Prediction;

public sealed class GreyscalePngTests
{
    [Fact]
    public void Encodes_28_by_28_values_as_a_greyscale_png_that_decodes_to_the_same_levels()
    {
        var pixels = new float[ModelContract.ImagePixels];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = i % 28 / 27f;
        pixels[0] = -0.5f;  // clamped to black
        pixels[1] = 1.5f;   // clamped to white

        var png = GreyscalePng.Encode(pixels);

        Assert.Equal((28, 28, true), TestImages.Inspect(png));
        using var decoded = SKBitmap.Decode(png);
        Assert.Equal(0, decoded.GetPixel(0, 0).Red);
        Assert.Equal(255, decoded.GetPixel(1, 0).Red);
        Assert.Equal((byte)MathF.Round(13 / 27f * 255), decoded.GetPixel(13, 5).Red);
    }

    [Fact]
    public void Refuses_anything_but_784_values() =>
        Assert.Throws<ArgumentException>(() => GreyscalePng.Encode(new float[100]));
}
