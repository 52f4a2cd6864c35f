namespace CapsNetService.Common.MultiMnist;

/// <summary>
/// The MultiMNIST frame of Sabour et al. (2017, Section 6): a 28×28 MNIST digit placed in a 36×36 canvas at
/// (4 + dx, 4 + dy) with dx, dy in [−4, 4], so that no shift ever cuts the digit; two such digits merged make one image.
/// </summary>
public static class MultiMnistCanvas
{
    public const int DigitSide = 28;
    public const int MaxShift = 4;
    public const int Side = DigitSide + 2 * MaxShift;
    public const int Pixels = Side * Side;

    /// <summary>Clears <paramref name="canvas"/> (36×36) and pastes <paramref name="digit"/> (28×28) into it shifted
    /// by (<paramref name="dx"/>, <paramref name="dy"/>) from the centre.</summary>
    public static void Place(ReadOnlySpan<byte> digit, int dx, int dy, Span<byte> canvas)
    {
        RequireShift(dx, nameof(dx));
        RequireShift(dy, nameof(dy));
        if (digit.Length != DigitSide * DigitSide)
            throw new ArgumentException($"a digit has {DigitSide * DigitSide} pixels, not {digit.Length}", nameof(digit));
        if (canvas.Length != Pixels)
            throw new ArgumentException($"the canvas has {Pixels} pixels, not {canvas.Length}", nameof(canvas));
        canvas.Clear();
        int left = MaxShift + dx, top = MaxShift + dy;
        for (int y = 0; y < DigitSide; y++)
            digit.Slice(y * DigitSide, DigitSide).CopyTo(canvas.Slice((top + y) * Side + left, DigitSide));
    }

    /// <summary>
    /// min(a + b, 255) per pixel, the rule of the paper's own TensorFlow data code (mnist_shift.py), so that our pairs
    /// are the data its error rates were measured on; unlike max(a, b) it keeps both strokes' ink where they cross,
    /// which is the evidence a model has to separate them.
    /// </summary>
    public static void Merge(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> merged)
    {
        if (first.Length != Pixels || second.Length != Pixels || merged.Length != Pixels)
            throw new ArgumentException($"MultiMNIST images have {Pixels} pixels");
        for (int i = 0; i < merged.Length; i++)
            merged[i] = (byte)Math.Min(first[i] + second[i], 255);
    }

    internal static bool IsShift(int shift) => shift is >= -MaxShift and <= MaxShift;

    private static void RequireShift(int shift, string name)
    {
        if (!IsShift(shift))
            throw new ArgumentOutOfRangeException(name, shift, $"shifts lie in [−{MaxShift}, {MaxShift}]");
    }
}
