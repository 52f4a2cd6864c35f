using CapsNetService.Common.Mnist;
using CapsNetService.Training.Data;
using CapsNetService.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.Run;

/// <summary>Runs a model over a whole set at test time: no shift, the decoder fed the longest capsule.</summary>
public static class Evaluator
{
    public const int DefaultBatchSize = 250;

    public static EvaluationResult Evaluate(CapsNet model, MnistSet set, Device device, CapsuleLoss loss,
                                            int batchSize = DefaultBatchSize, int sampleSize = 24,
                                            Action<int>? onBatch = null)
    {
        model.eval();
        using var noGrad = no_grad();
        var confusion = new ConfusionMatrix();
        double lossSum = 0;
        sampleSize = Math.Min(sampleSize, set.Count);
        var sample = new ReconstructionSample(new float[sampleSize * set.ImageSize], new float[sampleSize * set.ImageSize],
                                              new int[sampleSize], new int[sampleSize]);
        var indices = Enumerable.Range(0, set.Count).ToArray();
        for (int start = 0; start < set.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(batchSize, set.Count - start);
            var (images, labels) = MnistBatch.Create(set, indices.AsSpan(start, count), device);
            using var output = model.forward(images, null);
            // Test loss: margin on the lengths, reconstruction of the capsule the model chose (as served).
            lossSum += loss.Total(output.Lengths, labels, output.Reconstruction, images).item<float>() * count;
            var predicted = output.Lengths.argmax(1).cpu().data<long>().ToArray();
            for (int i = 0; i < count; i++) confusion.Add(set.Labels[start + i], (int)predicted[i]);

            int inSample = Math.Min(count, sampleSize - start);
            if (inSample > 0)
            {
                images.cpu().data<float>().ToArray().AsSpan(0, inSample * set.ImageSize)
                      .CopyTo(sample.Originals.AsSpan(start * set.ImageSize));
                output.Reconstruction.cpu().data<float>().ToArray().AsSpan(0, inSample * set.ImageSize)
                      .CopyTo(sample.Reconstructions.AsSpan(start * set.ImageSize));
                for (int i = 0; i < inSample; i++)
                {
                    sample.Labels[start + i] = set.Labels[start + i];
                    sample.Predictions[start + i] = (int)predicted[i];
                }
            }
            onBatch?.Invoke(count);
        }
        return new EvaluationResult(lossSum / set.Count, confusion, sample);
    }
}
