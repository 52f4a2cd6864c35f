using CapsNetService.Common.Mnist;
using CapsNetService.Training.Data;
using CapsNetService.Training.Model;
using static TorchSharp.torch;

namespace CapsNetService.Benchmarks.PyTorch;

/// <summary>
/// What the harness hands the PyTorch baseline, as .npz files: the TorchSharp model's parameters by their checkpoint
/// names (<c>conv1.weight</c>, <c>primaryCaps.conv.weight</c>, <c>digitCaps.weights</c>, <c>decoder.hidden1.weight</c>, …),
/// MNIST images for the timed rows, and for the same-function check a batch with the TorchSharp model's answers on it.
/// </summary>
public static class BaselineFiles
{
    /// <summary>Every parameter of <paramref name="model"/>, float32, under its name.</summary>
    public static void WriteWeights(nn.Module model, string path)
    {
        using var archive = NumpyArchive.Create(path);
        foreach (var (name, parameter) in model.named_parameters())
            archive.Add(name, Values(parameter), parameter.shape);
    }

    /// <summary>The first <paramref name="count"/> images as bytes [count, 28, 28] and their labels as int64.</summary>
    public static void WriteImages(MnistSet set, int count, string path)
    {
        count = Math.Min(count, set.Count);
        using var archive = NumpyArchive.Create(path);
        archive.Add("images", set.Pixels.AsSpan(0, count * set.ImageSize), count, set.Rows, set.Columns);
        archive.Add("labels", set.Labels.AsSpan(0, count).ToArray().Select(l => (long)l).ToArray(), count);
    }

    /// <summary>
    /// The check batch (the first <paramref name="batch"/> images, unshifted, /255) and what <paramref name="model"/>
    /// computes on it in train mode with the true labels: capsule lengths, reconstruction, the loss of
    /// <see cref="CapsuleLoss"/> and its gradient with respect to every parameter (<c>grad.&lt;name&gt;</c>).
    /// </summary>
    public static void WriteReference(CapsNet model, MnistSet set, int batch, string path)
    {
        using var scope = NewDisposeScope();
        var (images, labels) = MnistBatch.Create(set, Enumerable.Range(0, batch).ToArray(), CPU);
        model.train();
        model.zero_grad();
        using var output = model.forward(images, labels);
        var loss = new CapsuleLoss().Total(output.Lengths, labels, output.Reconstruction, images);
        loss.backward();
        using var archive = NumpyArchive.Create(path);
        archive.Add("images", Values(images), images.shape);
        archive.Add("labels", labels.data<long>().ToArray(), labels.shape);
        archive.Add("lengths", Values(output.Lengths), output.Lengths.shape);
        archive.Add("reconstruction", Values(output.Reconstruction), output.Reconstruction.shape);
        archive.Add("loss", [loss.item<float>()]);
        foreach (var (name, parameter) in model.named_parameters())
            archive.Add("grad." + name, Values(parameter.grad!), parameter.shape);
        model.zero_grad();
    }

    private static float[] Values(Tensor tensor)
    {
        using var contiguous = tensor.detach().contiguous();
        return contiguous.data<float>().ToArray();
    }
}
