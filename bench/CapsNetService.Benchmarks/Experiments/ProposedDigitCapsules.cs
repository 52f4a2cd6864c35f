using CapsNetService.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Benchmarks.Experiments;

/// <summary>
/// EXPERIMENT, NOT PRODUCT CODE: the change proposed for src/Training/Model, written with the product's signatures
/// (<c>DigitCapsules.Predictions</c> and <c>RoutingByAgreement.Route</c>) so that it can be moved over as it is.
/// <list type="number">
/// <item><see cref="Predictions"/>: û = u·Wᵀ batched over the inputs i gives [I, N, J·D] contiguous, returned as an
///   [N, I, J, D] view (the product permutes [I, J·D, N] back and copies the 73.7 MB, at batch 100, on every step).</item>
/// <item><see cref="Route"/>: û copied once into [N·J, I, D], so that s_j = Σ_i c_ij û_j|i and the agreement
///   û_j|i · v_j are batched matrix products (bmm) over (n, j); the product forms the full [N, I, J, D] elementwise
///   products c·û and û·v (and their gradients) in every iteration before reducing them.</item>
/// </list>
/// Same maths, same parameters and checkpoints; only the computation order differs (float32 rounding).
/// </summary>
public static class ProposedDigitCapsules
{
    /// <param name="primary">u: [N, inputs, inDims].</param>
    /// <param name="weights">W: [inputs, parents·outDims, inDims], the product's parameter as it is.</param>
    /// <returns>û: [N, inputs, parents, outDims], a view of memory laid out [inputs, N, parents, outDims].</returns>
    public static Tensor Predictions(Tensor primary, Tensor weights, long parents)
    {
        using var scope = NewDisposeScope();
        long n = primary.shape[0], inputs = weights.shape[0], outDims = weights.shape[1] / parents;
        var uHat = primary.transpose(0, 1).matmul(weights.transpose(1, 2));                 // [I, N, J·D]
        return uHat.view(inputs, n, parents, outDims).permute(1, 0, 2, 3).MoveToOuterDisposeScope();
    }

    /// <summary>Procedure 1 of the paper, as <see cref="RoutingByAgreement.Route"/>, with the sums over i as bmm.</summary>
    /// <param name="predictions">û: [N, inputs, parents, dims] (any strides).</param>
    /// <returns>v: [N, parents, dims], and c: [N, inputs, parents] of the last iteration.</returns>
    public static (Tensor Parents, Tensor Coupling) Route(Tensor predictions, int iterations)
    {
        if (iterations < 1) throw new ArgumentOutOfRangeException(nameof(iterations), "routing needs at least one iteration");
        using var scope = NewDisposeScope();
        long n = predictions.shape[0], inputs = predictions.shape[1], parents = predictions.shape[2], dims = predictions.shape[3];
        var uHat = predictions.permute(0, 2, 1, 3).reshape(n * parents, inputs, dims);        // [N·J, I, D], one copy
        var logits = zeros(n, parents, inputs, dtype: predictions.dtype, device: predictions.device);   // b: [N, J, I]
        Tensor parentCapsules = null!, coupling = null!;
        for (int r = 0; r < iterations; r++)
        {
            coupling = nn.functional.softmax(logits, dim: 1);                                   // over the parents j
            var total = coupling.view(n * parents, 1, inputs).bmm(uHat).view(n, parents, dims); // s_j = Σ_i c_ij û_j|i
            parentCapsules = Capsules.Squash(total);                                           // v_j
            if (r < iterations - 1)
                logits = logits + uHat.bmm(parentCapsules.view(n * parents, dims, 1)).view(n, parents, inputs);  // û_j|i · v_j
        }
        return (parentCapsules.MoveToOuterDisposeScope(), coupling.transpose(1, 2).MoveToOuterDisposeScope());
    }
}
