namespace CapsNetService.Training.Data;

/// <summary>
/// The paper's only augmentation: each training image moved by its own random offset of up to
/// <c>maxShift</c> pixels in x and in y, zero-padded (not one offset for the whole batch).
/// </summary>
public static class RandomShift
{
    /// <summary>Copies <paramref name="source"/> (side × side) into <paramref name="target"/> moved by (dx, dy);
    /// pixels moved in from outside are 0.</summary>
    public static void Shift(ReadOnlySpan<byte> source, Span<byte> target, int side, int dx, int dy)
    {
        target.Clear();
        for (int y = 0; y < side; y++)
        {
            int sourceY = y - dy;
            if (sourceY < 0 || sourceY >= side) continue;
            int fromX = Math.Max(0, dx), toX = Math.Min(side, side + dx);   // target columns that have a source
            if (toX <= fromX) continue;
            source.Slice(sourceY * side + fromX - dx, toX - fromX).CopyTo(target.Slice(y * side + fromX, toX - fromX));
        }
    }

    /// <summary>Draws an offset in [−maxShift, maxShift]² and applies it.</summary>
    public static (int Dx, int Dy) ShiftRandomly(ReadOnlySpan<byte> source, Span<byte> target, int side, int maxShift, Random random)
    {
        int dx = random.Next(-maxShift, maxShift + 1), dy = random.Next(-maxShift, maxShift + 1);
        Shift(source, target, side, dx, dy);
        return (dx, dy);
    }
}
