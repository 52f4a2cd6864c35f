using CapsNetService.Common.Mnist;
using CapsNetService.Common.MultiMnist;
using CapsNetService.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.TwoDigits;

/// <summary>A network over a set of MultiMNIST pairs: mean loss, the share of images whose two digits were both
/// found and the share with at least one found, and a few images with what the CapsNet's decoder made of them.</summary>
public sealed record PairEvaluation(double Loss, int Count, int BothCorrect, int AtLeastOne, PairSample Sample)
{
    public double BothCorrectAccuracy => Count == 0 ? double.NaN : (double)BothCorrect / Count;
    public double AtLeastOneAccuracy => Count == 0 ? double.NaN : (double)AtLeastOne / Count;
}

/// <summary>A few pairs for the report: each input (36×36 floats in [0, 1], row-major, one after another), the decoder's
/// image of each of the two predicted digits (empty for the CNN, which has no decoder), the labels and the two
/// predicted digits, highest score first.</summary>
public sealed record PairSample(float[] Images, float[] FirstReconstructions, float[] SecondReconstructions,
                               int[] FirstLabels, int[] SecondLabels, int[] FirstPredictions, int[] SecondPredictions)
{
    public int Count => FirstLabels.Length;
    public bool HasReconstructions => FirstReconstructions.Length > 0;
}

public static class PairEvaluator
{
    public const int DefaultBatchSize = 250;

    public static PairEvaluation Evaluate(nn.Module model, MnistSet source, ReadOnlySpan<MultiMnistPair> pairs, Device device,
                                          CapsuleLoss loss, int batchSize = DefaultBatchSize, int sampleSize = 24,
                                          Action<int>? onBatch = null)
    {
        model.eval();
        using var noGrad = no_grad();
        const int pixels = MultiMnistCanvas.Pixels;
        sampleSize = Math.Min(sampleSize, pairs.Length);
        int sampledPixels = model is CapsNet ? sampleSize * pixels : 0;
        var sample = new PairSample(new float[sampleSize * pixels], new float[sampledPixels], new float[sampledPixels],
                                    new int[sampleSize], new int[sampleSize], new int[sampleSize], new int[sampleSize]);
        double lossSum = 0;
        long both = 0, atLeastOne = 0;
        for (int start = 0; start < pairs.Length; start += batchSize)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(batchSize, pairs.Length - start);
            using var batch = PairBatch.Create(source, pairs.Slice(start, count), device);
            var (batchLoss, scores) = PairNetwork.Loss(model, loss, batch);
            lossSum += batchLoss.item<float>() * count;
            var (predicted, hits) = TopTwo.Score(scores, batch.FirstLabels, batch.SecondLabels);
            both += hits.eq(2).sum().item<long>();
            atLeastOne += hits.ge(1).sum().item<long>();

            int inSample = Math.Min(count, sampleSize - start);
            if (inSample > 0) Keep(model, batch, predicted, start, inSample, sample);
            onBatch?.Invoke(count);
        }
        return new PairEvaluation(pairs.Length == 0 ? double.NaN : lossSum / pairs.Length, pairs.Length, (int)both,
                                  (int)atLeastOne, sample);
    }

    /// <summary>Copies the batch's first <paramref name="count"/> pairs into the sample at <paramref name="at"/>; the
    /// CapsNet's reconstructions are of the two predicted digits, as the model would show them.</summary>
    private static void Keep(nn.Module model, PairBatch batch, Tensor predicted, int at, int count, PairSample sample)
    {
        const int pixels = MultiMnistCanvas.Pixels;
        batch.Images.cpu().data<float>().ToArray().AsSpan(0, count * pixels).CopyTo(sample.Images.AsSpan(at * pixels));
        var top = predicted.cpu().data<long>().ToArray();
        var first = batch.FirstLabels.cpu().data<long>().ToArray();
        var second = batch.SecondLabels.cpu().data<long>().ToArray();
        for (int i = 0; i < count; i++)
        {
            sample.FirstLabels[at + i] = (int)first[i];
            sample.SecondLabels[at + i] = (int)second[i];
            sample.FirstPredictions[at + i] = (int)top[2 * i];
            sample.SecondPredictions[at + i] = (int)top[2 * i + 1];
        }
        if (model is not CapsNet capsNet) return;
        var (digits, _) = capsNet.Encode(batch.Images);
        var columns = predicted.split(1, dim: 1);
        using var firstImage = capsNet.Reconstruct(digits, columns[0].squeeze(1));
        using var secondImage = capsNet.Reconstruct(digits, columns[1].squeeze(1));
        firstImage.cpu().data<float>().ToArray().AsSpan(0, count * pixels).CopyTo(sample.FirstReconstructions.AsSpan(at * pixels));
        secondImage.cpu().data<float>().ToArray().AsSpan(0, count * pixels).CopyTo(sample.SecondReconstructions.AsSpan(at * pixels));
    }
}
