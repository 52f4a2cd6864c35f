using CapsNetService.Common.Mnist;
using CapsNetService.Tests;
using CapsNetService.Training.Data;

namespace CapsNetService.Training.Tests.Data;

public class RandomShiftTests
{
    private static readonly MnistSet Test = RealMnist.Test.Take(200);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(2, 0)]
    [InlineData(0, -2)]
    [InlineData(-2, 1)]
    public void Shift_moves_every_pixel_by_the_offset(int dx, int dy)
    {
        var source = Test.Image(0);
        var target = new byte[784];
        RandomShift.Shift(source, target, 28, dx, dy);
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
            {
                int sx = x - dx, sy = y - dy;
                byte expected = sx is >= 0 and < 28 && sy is >= 0 and < 28 ? source[sy * 28 + sx] : (byte)0;
                Assert.Equal(expected, target[y * 28 + x]);
            }
    }

    [Fact]
    public void Random_shifts_keep_the_digit_and_stay_within_two_pixels_per_image()
    {
        var random = new Random(1);
        var target = new byte[784];
        var offsets = new HashSet<(int, int)>();
        for (int i = 0; i < Test.Count; i++)
        {
            var source = Test.Image(i);
            var (dx, dy) = RandomShift.ShiftRandomly(source, target, 28, 2, random);
            Assert.InRange(dx, -2, 2);
            Assert.InRange(dy, -2, 2);
            offsets.Add((dx, dy));
            // Ink moves, none appears: what is left is exactly the ink whose new place is inside the frame,
            // and that is nearly all of it (MNIST digits sit in a 20×20 box centred in 28×28).
            int inside = 0, total = 0;
            for (int p = 0; p < 784; p++)
            {
                total += source[p];
                int x = p % 28 + dx, y = p / 28 + dy;
                if (x is >= 0 and < 28 && y is >= 0 and < 28) inside += source[p];
            }
            Assert.Equal(inside, target.Sum(b => (int)b));
            Assert.True(inside >= 0.97 * total, $"image {i} kept {inside} of {total}");
            if (inside == total)
            {
                var (cx, cy) = CentreOfMass(source);
                var (tx, ty) = CentreOfMass(target);
                Assert.Equal(cx + dx, tx, 1e-9);
                Assert.Equal(cy + dy, ty, 1e-9);
            }
        }
        // Each image draws its own offset: over 200 images all 25 offsets turn up.
        Assert.Equal(25, offsets.Count);
    }

    private static (double X, double Y) CentreOfMass(ReadOnlySpan<byte> image)
    {
        double total = 0, sx = 0, sy = 0;
        for (int i = 0; i < image.Length; i++)
        {
            total += image[i];
            sx += image[i] * (i % 28);
            sy += image[i] * (i / 28);
        }
        return (sx / total, sy / total);
    }
}
