using CapsNetService.Common;

namespace CapsNetService.Training.Data;

/// <summary>
/// Real digits made harder, to see whether the rejection rule still accepts them: shifted further than training's
/// 2 px, rotated, or with thicker strokes. Each works on one 28×28 image in [0, 1] and returns a new one; a 28×28
/// grey upload with a dark border reaches the model unchanged, so these are exactly what the service would be given.
/// </summary>
public static class DigitTransforms
{
    private const int Side = ModelContract.ImageSide;

    /// <summary>Moved by (dx, dy) pixels; what leaves the frame is lost, what enters is black.</summary>
    public static float[] Shift(ReadOnlySpan<float> image, int dx, int dy)
    {
        var moved = new float[Side * Side];
        for (int y = 0; y < Side; y++)
        for (int x = 0; x < Side; x++)
        {
            int sx = x - dx, sy = y - dy;
            if (sx is >= 0 and < Side && sy is >= 0 and < Side) moved[y * Side + x] = image[sy * Side + sx];
        }
        return moved;
    }

    /// <summary>Turned by <paramref name="degrees"/> (clockwise on screen) about the frame's centre, bilinear.</summary>
    public static float[] Rotate(ReadOnlySpan<float> image, double degrees)
    {
        var turned = new float[Side * Side];
        double angle = degrees * Math.PI / 180, cos = Math.Cos(angle), sin = Math.Sin(angle), centre = (Side - 1) / 2.0;
        for (int y = 0; y < Side; y++)
        for (int x = 0; x < Side; x++)
        {
            // The source of each output pixel: the inverse rotation.
            double u = cos * (x - centre) + sin * (y - centre) + centre, v = -sin * (x - centre) + cos * (y - centre) + centre;
            turned[y * Side + x] = Bilinear(image, u, v);
        }
        return turned;
    }

    /// <summary>Strokes one pixel thicker on every side: a 3×3 maximum filter.</summary>
    public static float[] Thicken(ReadOnlySpan<float> image)
    {
        var thick = new float[Side * Side];
        for (int y = 0; y < Side; y++)
        for (int x = 0; x < Side; x++)
        {
            float max = 0;
            for (int j = Math.Max(0, y - 1); j <= Math.Min(Side - 1, y + 1); j++)
            for (int i = Math.Max(0, x - 1); i <= Math.Min(Side - 1, x + 1); i++)
                max = Math.Max(max, image[j * Side + i]);
            thick[y * Side + x] = max;
        }
        return thick;
    }

    private static float Bilinear(ReadOnlySpan<float> image, double u, double v)
    {
        int x0 = (int)Math.Floor(u), y0 = (int)Math.Floor(v);
        double fx = u - x0, fy = v - y0, sum = 0;
        for (int j = 0; j <= 1; j++)
        for (int i = 0; i <= 1; i++)
        {
            int x = x0 + i, y = y0 + j;
            if (x is < 0 or >= Side || y is < 0 or >= Side) continue;
            sum += image[y * Side + x] * (i == 0 ? 1 - fx : fx) * (j == 0 ? 1 - fy : fy);
        }
        return (float)sum;
    }
}
