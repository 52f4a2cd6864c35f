using CapsNetService.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.TwoDigits;

/// <summary>
/// What the MultiMNIST loop needs of either network, a <see cref="CapsNet"/> or a <see cref="BaselineCnn"/>: its 10
/// scores (capsule lengths, or sigmoid outputs) and its loss on a batch of pairs. Both take the two-digit margin loss;
/// the CapsNet adds the reconstruction of each digit from its own capsule (all others masked) against that digit alone.
/// </summary>
public static class PairNetwork
{
    /// <returns>The scalar loss (mean over the batch) and the scores [N, 10].</returns>
    public static (Tensor Loss, Tensor Scores) Loss(nn.Module model, CapsuleLoss loss, PairBatch batch)
    {
        using var scope = NewDisposeScope();
        Tensor total, scores;
        switch (model)
        {
            case CapsNet capsNet:
                var (digits, lengths) = capsNet.Encode(batch.Images);
                var first = capsNet.Reconstruct(digits, batch.FirstLabels);
                var second = capsNet.Reconstruct(digits, batch.SecondLabels);
                total = loss.TotalTwoDigits(lengths, batch.FirstLabels, batch.SecondLabels,
                                            first, batch.FirstDigits, second, batch.SecondDigits);
                scores = lengths;
                break;
            case BaselineCnn cnn:
                scores = cnn.forward(batch.Images);
                total = loss.Margin(scores, batch.FirstLabels, batch.SecondLabels).mean();
                break;
            default:
                throw new ArgumentException($"no MultiMNIST loss for a {model.GetType().Name}", nameof(model));
        }
        return (total.MoveToOuterDisposeScope(), scores.MoveToOuterDisposeScope());
    }

    /// <summary>One optimisation step on a batch of pairs; adds the batch's loss sum and its count of images whose
    /// two digits were both found to the device tensors, so nothing waits for the GPU.</summary>
    public static void Step(nn.Module model, optim.Optimizer optimizer, CapsuleLoss loss, PairBatch batch,
                            Tensor lossSum, Tensor bothCorrect)
    {
        using var scope = NewDisposeScope();
        var (batchLoss, scores) = Loss(model, loss, batch);
        optimizer.zero_grad();
        batchLoss.backward();
        optimizer.step();
        lossSum.add_(batchLoss.detach().to(float64) * batch.Count);
        using var noGrad = no_grad();
        var (_, hits) = TopTwo.Score(scores, batch.FirstLabels, batch.SecondLabels);
        bothCorrect.add_(hits.eq(2).sum());
    }
}
