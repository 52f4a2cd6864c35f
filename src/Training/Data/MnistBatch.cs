using CapsNetService.Common.Mnist;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.Data;

/// <summary>Turns MNIST images into model input: [B, 1, 28, 28] float32 in [0, 1] (pixel / 255, nothing else)
/// and [B] int64 labels, on the requested device.</summary>
public static class MnistBatch
{
    /// <param name="shift">When given, every image is shifted by its own random offset (training only).</param>
    public static (Tensor Images, Tensor Labels) Create(MnistSet set, ReadOnlySpan<int> indices, Device device,
                                                        int maxShift = 0, Random? shift = null)
    {
        int size = set.ImageSize;
        var pixels = new byte[indices.Length * size];
        var labels = new long[indices.Length];
        for (int b = 0; b < indices.Length; b++)
        {
            var target = pixels.AsSpan(b * size, size);
            if (shift is not null && maxShift > 0)
                RandomShift.ShiftRandomly(set.Image(indices[b]), target, set.Columns, maxShift, shift);
            else
                set.Image(indices[b]).CopyTo(target);
            labels[b] = set.Labels[indices[b]];
        }
        using var scope = NewDisposeScope();
        var images = tensor(pixels, [indices.Length, 1, set.Rows, set.Columns]).to(float32).div_(255f).to(device);
        var labelTensor = tensor(labels, [indices.Length]).to(device);
        return (images.MoveToOuterDisposeScope(), labelTensor.MoveToOuterDisposeScope());
    }
}
