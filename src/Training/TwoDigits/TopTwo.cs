using static TorchSharp.torch;

namespace CapsNetService.Training.TwoDigits;

/// <summary>
/// The paper's MultiMNIST scoring: the two highest scores of an image (capsule lengths, or the CNN's sigmoid outputs)
/// are its two digits, in either order. "Both correct" when they are exactly the two labels; "at least one" when
/// either label is among them.
/// </summary>
public static class TopTwo
{
    /// <param name="scores">[N, 10].</param>
    /// <returns>Per image: the two predicted digits ([N, 2], highest first), and how many of the two labels they
    /// hold ([N], 0, 1 or 2).</returns>
    public static (Tensor Predicted, Tensor Hits) Score(Tensor scores, Tensor firstLabels, Tensor secondLabels)
    {
        using var scope = NewDisposeScope();
        var predicted = scores.topk(2, dim: 1).indexes;
        var hits = predicted.eq(firstLabels.unsqueeze(1)).any(1).to(int64)
                   + predicted.eq(secondLabels.unsqueeze(1)).any(1).to(int64);
        return (predicted.MoveToOuterDisposeScope(), hits.MoveToOuterDisposeScope());
    }
}
