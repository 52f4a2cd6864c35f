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

    /// <summary>Images [start, start + count) as model input, one after another: pixel / 255, the only scaling MNIST
    /// gets (values in [0, 1], as <see cref="ModelContract.ImageInput"/> wants).</summary>
    public float[] ModelInput(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (start + count > Count) throw new ArgumentOutOfRangeException(nameof(count), $"images {start}..{start + count} are not all in a set of {Count}");
        var input = new float[count * ImageSize];
        var pixels = Pixels.AsSpan(start * ImageSize, input.Length);
        for (int i = 0; i < input.Length; i++) input[i] = pixels[i] / 255f;
        return input;
    }

    /// <summary>The first <paramref name="count"/> images (or all, when null or larger).</summary>
    public MnistSet Take(int? count)
    {
        if (count is null || count >= Count) return this;
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), "must be at least 1");
        return new MnistSet(Pixels[..(count.Value * ImageSize)], Labels[..count.Value], Rows, Columns);
    }

    /// <summary>Images [start, start + count), as a set of their own.</summary>
    public MnistSet Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(count), $"images {start}..{start + count} are not all in a set of {Count}");
        return new MnistSet(Pixels[(start * ImageSize)..((start + count) * ImageSize)], Labels[start..(start + count)], Rows, Columns);
    }

    /// <summary>How many images carry each label, indexed by label.</summary>
    public int[] LabelHistogram()
    {
        var counts = new int[10];
        foreach (var label in Labels) counts[label]++;
        return counts;
    }
}
