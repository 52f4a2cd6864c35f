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
/// Both sums over i are batched matrix products over (n, j), so no [N, I, J, D] temporary is formed per iteration.
/// û is not detached in the iterations before the last: the gradient also flows through the agreements that set the
/// coupling coefficients, which is what differentiating Procedure 1 as written gives. Some reimplementations (e.g.
/// XifengGuo's CapsNet-Pytorch) detach it there, which is cheaper but trains another function; the shipped model was
/// trained with the full gradient, so changing it would need a new training run to justify it.
/// </summary>
public static class RoutingByAgreement
{
    /// <param name="predictions">û: [N, inputs, parents, dims] (any strides).</param>
    /// <param name="iterations">r ≥ 1.</param>
    /// <returns>v: [N, parents, dims], and c: [N, inputs, parents] of the last iteration.</returns>
    public static (Tensor Parents, Tensor Coupling) Route(Tensor predictions, int iterations)
    {
        if (iterations < 1) throw new ArgumentOutOfRangeException(nameof(iterations), "routing needs at least one iteration");
        using var scope = NewDisposeScope();
        long n = predictions.shape[0], inputs = predictions.shape[1], parents = predictions.shape[2], dims = predictions.shape[3];
        var uHat = predictions.permute(0, 2, 1, 3).reshape(n * parents, inputs, dims);         // û per (n, j): [N·J, I, D]
        var logits = zeros(n, parents, inputs, dtype: predictions.dtype, device: predictions.device);   // b: [N, J, I]
        Tensor parentCapsules = null!, coupling = null!;
        for (int r = 0; r < iterations; r++)
        {
            coupling = nn.functional.softmax(logits, dim: 1);                                    // c: over the parents j
            var total = coupling.view(n * parents, 1, inputs).bmm(uHat).view(n, parents, dims);  // s_j = Σ_i c_ij û_j|i
            parentCapsules = Capsules.Squash(total);                                            // v_j = squash(s_j)
            if (r < iterations - 1)
                logits = logits + uHat.bmm(parentCapsules.view(n * parents, dims, 1)).view(n, parents, inputs);  // û_j|i · v_j
        }
        return (parentCapsules.MoveToOuterDisposeScope(), coupling.transpose(1, 2).MoveToOuterDisposeScope());
    }
}
