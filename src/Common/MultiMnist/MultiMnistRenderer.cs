using CapsNetService.Common.Mnist;

namespace CapsNetService.Common.MultiMnist;

/// <summary>One rendered pair: the merged image and each digit alone in its own place (the decoder's two targets),
/// 36×36 bytes each, with the two labels.</summary>
public sealed record MultiMnistSample(byte[] Merged, byte[] First, byte[] Second, byte FirstLabel, byte SecondLabel);

/// <summary>
/// A batch of rendered pairs as model input: <see cref="Images"/>, <see cref="FirstDigits"/> and
/// <see cref="SecondDigits"/> are [Count, 1, 36, 36] row-major, pixel / 255 (values in [0, 1], as MNIST input);
/// the labels are int64, as class-index tensors want them.
/// </summary>
public sealed record MultiMnistBatch(int Count, float[] Images, float[] FirstDigits, float[] SecondDigits,
                                     long[] FirstLabels, long[] SecondLabels);

/// <summary>Turns pair recipes into pixels, from the <see cref="MnistSet"/> the indices point into.</summary>
public static class MultiMnistRenderer
{
    /// <summary>Writes the pair's merged image and its two shifted digits (36×36 each) into the given spans.</summary>
    public static void Render(MnistSet source, MultiMnistPair pair, Span<byte> merged, Span<byte> first, Span<byte> second)
    {
        ArgumentNullException.ThrowIfNull(source);
        MultiMnistCanvas.Place(source.Image(pair.First.Index), pair.First.Dx, pair.First.Dy, first);
        MultiMnistCanvas.Place(source.Image(pair.Second.Index), pair.Second.Dx, pair.Second.Dy, second);
        MultiMnistCanvas.Merge(first, second, merged);
    }

    public static MultiMnistSample Render(MnistSet source, MultiMnistPair pair)
    {
        var merged = new byte[MultiMnistCanvas.Pixels];
        var first = new byte[MultiMnistCanvas.Pixels];
        var second = new byte[MultiMnistCanvas.Pixels];
        Render(source, pair, merged, first, second);
        return new MultiMnistSample(merged, first, second, source.Labels[pair.First.Index], source.Labels[pair.Second.Index]);
    }

    public static MultiMnistBatch RenderBatch(MnistSet source, ReadOnlySpan<MultiMnistPair> pairs)
    {
        ArgumentNullException.ThrowIfNull(source);
        const int size = MultiMnistCanvas.Pixels;
        int n = pairs.Length;
        var batch = new MultiMnistBatch(n, new float[n * size], new float[n * size], new float[n * size], new long[n], new long[n]);
        Span<byte> merged = stackalloc byte[size], first = stackalloc byte[size], second = stackalloc byte[size];
        for (int i = 0; i < n; i++)
        {
            Render(source, pairs[i], merged, first, second);
            Scale(merged, batch.Images.AsSpan(i * size, size));
            Scale(first, batch.FirstDigits.AsSpan(i * size, size));
            Scale(second, batch.SecondDigits.AsSpan(i * size, size));
            batch.FirstLabels[i] = source.Labels[pairs[i].First.Index];
            batch.SecondLabels[i] = source.Labels[pairs[i].Second.Index];
        }
        return batch;
    }

    private static void Scale(ReadOnlySpan<byte> pixels, Span<float> target)
    {
        for (int i = 0; i < pixels.Length; i++) target[i] = pixels[i] / 255f;
    }
}
