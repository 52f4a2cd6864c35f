namespace CapsNetService.Common.Mnist;

/// <summary>A set of MNIST-format images: <see cref="Count"/> images of Rows × Columns bytes, row-major,
/// 0 = background, 255 = ink, with one label (0–9) each.</summary>
public sealed class MnistSet
{
    public MnistSet(byte[] pixels, byte[] labels, int rows, int columns)
    {
        if (rows <= 0 || columns <= 0) throw new ArgumentOutOfRangeException(nameof(rows), "image size must be positive");
        if (pixels.Length != (long)labels.Length * rows * columns)
            throw new ArgumentException($"{pixels.Length} pixels do not make {labels.Length} images of {rows}×{columns}");
        Pixels = pixels;
        Labels = labels;
        Rows = rows;
        Columns = columns;
    }

    public byte[] Pixels { get; }
    public byte[] Labels { get; }
    public int Rows { get; }
    public int Columns { get; }
    public int Count => Labels.Length;
    public int ImageSize => Rows * Columns;

    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * ImageSize, ImageSize);

    /// <summary>The first <paramref name="count"/> images (or all, when null or larger).</summary>
    public MnistSet Take(int? count)
    {
        if (count is null || count >= Count) return this;
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), "must be at least 1");
        return new MnistSet(Pixels[..(count.Value * ImageSize)], Labels[..count.Value], Rows, Columns);
    }

    /// <summary>How many images carry each label, indexed by label.</summary>
    public int[] LabelHistogram()
    {
        var counts = new int[10];
        foreach (var label in Labels) counts[label]++;
        return counts;
    }
}
