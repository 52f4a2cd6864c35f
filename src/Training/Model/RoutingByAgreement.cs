using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.Model;

/// <summary>
/// Procedure 1 of the paper, vectorised over the batch, the input capsules i and the parents j:
/// <code>
/// b_ij ← 0
/// repeat r times:
///     c_i  ← softmax(b_i)            over the parents j (NOT over the inputs i)
///     s_j  ← Σ_i c_ij · û_j|i
///     v_j  ← squash(s_j)
///     b_ij ← b_ij + û_j|i · v_j      (skipped after the last iteration: it would not be used)
/// </code>
/// The logits start at zero for every batch: routing is inference, not a learned parameter.
/// </summary>
public static class RoutingByAgreement
{
    /// <param name="predictions">û: [N, inputs, parents, dims].</param>
    /// <param name="iterations">r ≥ 1.</param>
    /// <returns>v: [N, parents, dims], and c: [N, inputs, parents] of the last iteration.</returns>
    public static (Tensor Parents, Tensor Coupling) Route(Tensor predictions, int iterations)
    {
        if (iterations < 1) throw new ArgumentOutOfRangeException(nameof(iterations), "routing needs at least one iteration");
        using var scope = NewDisposeScope();
        long n = predictions.shape[0], inputs = predictions.shape[1], parents = predictions.shape[2];
        var logits = zeros(n, inputs, parents, dtype: predictions.dtype, device: predictions.device);
        Tensor parentCapsules = null!, coupling = null!;
        for (int r = 0; r < iterations; r++)
        {
            coupling = nn.functional.softmax(logits, dim: 2);                               // [N, I, J]
            var total = (coupling.unsqueeze(-1) * predictions).sum(1);                    // s: [N, J, D]
            parentCapsules = Capsules.Squash(total);                                      // v: [N, J, D]
            if (r < iterations - 1)
                logits = logits + (predictions * parentCapsules.unsqueeze(1)).sum(-1);     // agreement û·v
        }
        return (parentCapsules.MoveToOuterDisposeScope(), coupling.MoveToOuterDisposeScope());
    }
}
