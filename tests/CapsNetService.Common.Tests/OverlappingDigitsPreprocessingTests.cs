using CapsNetService.Common.Imaging;
using CapsNetService.Common.MultiMnist;
using CapsNetService.Tests;
using SkiaSharp;

namespace CapsNetService.Common.Tests;

/// <summary>The preprocessor in MultiMNIST's frame (<see cref="DigitFrame.MultiMnist"/>): a generated 36×36 pair passes
/// through exactly; anything else has both digits' ink framed in a 23-pixel box, centred in 36×36, inverted as for MNIST.</summary>
public sealed class OverlappingDigitsPreprocessingTests
{
    private static readonly SKColor Black = new(0, 0, 0), White = new(255, 255, 255);
    private const int Side = MultiMnistContract.ImageSide;
    private readonly DigitImagePreprocessor _preprocessor = new();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    public void A_generated_pair_as_a_grey_png_passes_through_exactly(int pair)
    {
        var sample = TestPairs.Value.Render(RealMnist.Test, pair);

        var result = _preprocessor.Process(TestImages.GreyPng(sample.Merged, Side, Side), DigitFrame.MultiMnist);

        Assert.True(result.PassedThrough);
        Assert.False(result.Inverted);
        Assert.Equal(TestImages.ToFloats(sample.Merged), result.Pixels);
    }

    [Fact]
    public void A_big_drawing_of_two_digits_is_framed_centred_and_23_pixels_long()
    {
        using var drawing = TwoDigits(ink: Black, paper: White, side: 420);

        var result = _preprocessor.Process(TestImages.Png(drawing), DigitFrame.MultiMnist);

        Assert.False(result.PassedThrough);
        Assert.True(result.Inverted);
        Assert.Equal(Side * Side, result.Pixels.Length);
        var (width, height, centreX, centreY) = Measure(result.Pixels);
        Assert.InRange(Math.Max(width, height), DigitFrame.MultiMnist.BoxSide - 1, DigitFrame.MultiMnist.BoxSide);
        Assert.InRange(centreX, Side / 2f - 1, Side / 2f + 1);
        Assert.InRange(centreY, Side / 2f - 1, Side / 2f + 1);
    }

    [Fact]
    public void Light_ink_on_a_dark_ground_is_not_inverted_and_framed_alike()
    {
        using var dark = TwoDigits(ink: White, paper: Black, side: 200);
        using var light = TwoDigits(ink: Black, paper: White, side: 200);

        var fromDark = _preprocessor.Process(TestImages.Png(dark), DigitFrame.MultiMnist);
        var fromLight = _preprocessor.Process(TestImages.Png(light), DigitFrame.MultiMnist);

        Assert.False(fromDark.Inverted);
        Assert.True(fromLight.Inverted);
        float worst = fromDark.Pixels.Zip(fromLight.Pixels, (a, b) => MathF.Abs(a - b)).Max();
        Assert.True(worst < 0.1f, $"the two polarities differ by up to {worst}");
    }

    [Fact]
    public void A_dark_on_light_36x36_pair_is_inverted_not_passed_through()
    {
        var sample = TestPairs.Value.Render(RealMnist.Test, 3);
        var negative = Array.ConvertAll(sample.Merged, p => (byte)(255 - p));

        var result = _preprocessor.Process(TestImages.GreyPng(negative, Side, Side), DigitFrame.MultiMnist);

        Assert.False(result.PassedThrough);
        Assert.True(result.Inverted);
    }

    [Fact]
    public void A_28x28_mnist_digit_is_framed_for_the_overlapping_model_and_still_passes_through_for_mnist()
    {
        var png = TestImages.GreyPng(TestImages.MnistDigit(0), 28, 28);

        var overlapping = _preprocessor.Process(png, DigitFrame.MultiMnist);
        var mnist = _preprocessor.Process(png);

        Assert.False(overlapping.PassedThrough);
        Assert.Equal(Side * Side, overlapping.Pixels.Length);
        Assert.True(mnist.PassedThrough);
        Assert.Equal(ModelContract.ImagePixels, mnist.Pixels.Length);
    }

    /// <summary>The frame's 23-pixel box is the size of a typical generated pair: the median of the longer side of the
    /// ink's bounding box over 2,000 pairs of the fixed test recipe lies within a pixel of it.</summary>
    [Fact]
    public void The_box_side_is_a_typical_generated_pairs_ink_size()
    {
        var pairs = MultiMnistPairSet.Draw(MultiMnistSplit.Test(RealMnist.Test), 2000, MultiMnistSets.TestSeed);
        var longer = Enumerable.Range(0, pairs.Pairs.Length)
            .Select(i => Measure(TestImages.ToFloats(pairs.Render(RealMnist.Test, i).Merged)))
            .Select(m => Math.Max(m.Width, m.Height)).Order().ToArray();
        int median = longer[longer.Length / 2], tenth = longer[longer.Length / 10], ninetieth = longer[longer.Length * 9 / 10];
        // A message in any case, so that the figures can be read off a run with a failing bound.
        Console.WriteLine($"ink longer side over {longer.Length} pairs: median {median}, 10th percentile {tenth}, 90th {ninetieth}");
        Assert.True(Math.Abs(median - DigitFrame.MultiMnist.BoxSide) <= 1,
            $"the ink's longer side: median {median}, 10th percentile {tenth}, 90th {ninetieth} pixels");
    }

    private static readonly Lazy<MultiMnistPairSet> TestPairs =
        new(() => MultiMnistPairSet.Draw(MultiMnistSplit.Test(RealMnist.Test), 20, MultiMnistSets.TestSeed));

    /// <summary>MNIST test digits 0 and 1 drawn over each other, the second shifted by a tenth of the side.</summary>
    private static SKBitmap TwoDigits(SKColor ink, SKColor paper, int side)
    {
        using var first = TestImages.Draw(TestImages.MnistDigit(0), 1, ink, paper);
        var bitmap = new SKBitmap(new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(paper);
        using var paint = new SKPaint { BlendMode = ink == Black ? SKBlendMode.Darken : SKBlendMode.Lighten };
        float size = side * 0.6f, at = side * 0.12f;
        foreach (var (index, shift) in new[] { (0, 0f), (1, side / 10f) })
        {
            using var digit = TestImages.Draw(TestImages.MnistDigit(index), 1, ink, paper);
            using var image = SKImage.FromBitmap(digit);
            canvas.DrawImage(image, SKRect.Create(at + shift, at + shift, size, size),
                             new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None), paint);
        }
        return bitmap;
    }

    /// <summary>The bounding box of the ink the preprocessor keeps (above its noise floor) and the centre of mass of a 36×36 image.</summary>
    private static (int Width, int Height, double CentreX, double CentreY) Measure(float[] pixels)
    {
        int left = Side, top = Side, right = -1, bottom = -1;
        double mass = 0, sumX = 0, sumY = 0;
        for (int y = 0; y < Side; y++)
        for (int x = 0; x < Side; x++)
        {
            float v = pixels[y * Side + x];
            mass += v;
            sumX += v * x;
            sumY += v * y;
            if (v <= DigitImagePreprocessor.NoiseFloor) continue;
            left = Math.Min(left, x);
            right = Math.Max(right, x);
            top = Math.Min(top, y);
            bottom = Math.Max(bottom, y);
        }
        return (right - left + 1, bottom - top + 1, sumX / mass, sumY / mass);
    }
}
