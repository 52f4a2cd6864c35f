using CapsNetService.Common.Mnist;
using CapsNetService.Common.MultiMnist;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.TwoDigits;

/// <summary>MultiMNIST pairs as model input on a device: the merged images and each digit alone, [B, 1, 36, 36] in
/// [0, 1], and the two labels, [B] int64. The caller disposes it.</summary>
public sealed record PairBatch(Tensor Images, Tensor FirstDigits, Tensor SecondDigits, Tensor FirstLabels, Tensor SecondLabels)
    : IDisposable
{
    public long Count => Images.shape[0];

    public static PairBatch Create(MnistSet source, ReadOnlySpan<MultiMnistPair> pairs, Device device)
    {
        var rendered = MultiMnistRenderer.RenderBatch(source, pairs);
        long[] shape = [rendered.Count, 1, MultiMnistCanvas.Side, MultiMnistCanvas.Side];
        return new PairBatch(tensor(rendered.Images, shape).to(device), tensor(rendered.FirstDigits, shape).to(device),
                             tensor(rendered.SecondDigits, shape).to(device), tensor(rendered.FirstLabels).to(device),
                             tensor(rendered.SecondLabels).to(device));
    }

    public void Dispose()
    {
        Images.Dispose();
        FirstDigits.Dispose();
        SecondDigits.Dispose();
        FirstLabels.Dispose();
        SecondLabels.Dispose();
    }
}
