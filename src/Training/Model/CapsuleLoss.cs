using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.Model;

/// <summary>
/// Eq. 4 on the capsule lengths themselves (not on a softmax of them):
/// L_k = T_k · max(0, m⁺ − |v_k|)² + λ · (1 − T_k) · max(0, |v_k| − m⁻)², summed over the classes,
/// plus 0.0005 × the sum of squared reconstruction errors; averaged over the batch.
/// </summary>
public sealed record CapsuleLoss(float MPlus = 0.9f, float MMinus = 0.1f, float Lambda = 0.5f,
                                 float ReconstructionWeight = 0.0005f)
{
    /// <returns>Per-image margin loss, [N].</returns>
    public Tensor Margin(Tensor lengths, Tensor labels)
    {
        using var present = nn.functional.one_hot(labels, lengths.shape[1]).to(lengths.dtype);
        return MarginOf(lengths, present);
    }

    /// <summary>The margin loss with T_k = 1 for both digits of a MultiMNIST image (different classes).</summary>
    /// <returns>Per-image margin loss, [N].</returns>
    public Tensor Margin(Tensor lengths, Tensor firstLabels, Tensor secondLabels)
    {
        using var first = nn.functional.one_hot(firstLabels, lengths.shape[1]);
        using var second = nn.functional.one_hot(secondLabels, lengths.shape[1]);
        using var present = (first + second).clamp_max(1).to(lengths.dtype);
        return MarginOf(lengths, present);
    }

    /// <param name="present">[N, classes]: T_k, 1 for each digit in the image, else 0.</param>
    private Tensor MarginOf(Tensor lengths, Tensor present)
    {
        using var scope = NewDisposeScope();
        var missed = nn.functional.relu(MPlus - lengths).square();
        var spurious = nn.functional.relu(lengths - MMinus).square();
        return (present * missed + Lambda * (1 - present) * spurious).sum(1).MoveToOuterDisposeScope();
    }

    /// <returns>Per-image sum of squared pixel errors, [N].</returns>
    public static Tensor ReconstructionError(Tensor reconstruction, Tensor images)
    {
        using var difference = reconstruction - images;
        return difference.square().flatten(1).sum(1);
    }

    /// <returns>The scalar training loss: mean over the batch of margin + weight · reconstruction.</returns>
    public Tensor Total(Tensor lengths, Tensor labels, Tensor reconstruction, Tensor images)
    {
        using var scope = NewDisposeScope();
        var perImage = Margin(lengths, labels) + ReconstructionWeight * ReconstructionError(reconstruction, images);
        return perImage.mean().MoveToOuterDisposeScope();
    }

    /// <returns>The scalar MultiMNIST training loss: mean over the batch of the two-digit margin + weight · (the
    /// first digit's reconstruction error against that digit alone + the second's against it alone).</returns>
    public Tensor TotalTwoDigits(Tensor lengths, Tensor firstLabels, Tensor secondLabels,
                                 Tensor firstReconstruction, Tensor firstDigits,
                                 Tensor secondReconstruction, Tensor secondDigits)
    {
        using var scope = NewDisposeScope();
        var perImage = Margin(lengths, firstLabels, secondLabels)
                       + ReconstructionWeight * (ReconstructionError(firstReconstruction, firstDigits)
                                                 + ReconstructionError(secondReconstruction, secondDigits));
        return perImage.mean().MoveToOuterDisposeScope();
    }
}
