using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CapsNetService.Training.Model;

/// <summary>
/// DigitCaps: every input capsule u_i predicts every parent j through its own transform,
/// û_j|i = W_ij · u_i, and the parents are found by routing by agreement.
/// </summary>
public sealed class DigitCapsules : nn.Module<Tensor, Tensor>
{
    private readonly long inputs, parents, inDims, outDims;

    public DigitCapsules(long inputs, long inDims, long parents, long outDims, int routingIterations)
        : base(nameof(DigitCapsules))
    {
        this.inputs = inputs;
        this.parents = parents;
        this.inDims = inDims;
        this.outDims = outDims;
        RoutingIterations = routingIterations;
        // Small weights keep the first parents short, so the margin loss starts in its linear range.
        register_parameter(WeightsName, nn.Parameter(randn(inputs, parents * outDims, inDims) * 0.01f));
    }

    public int RoutingIterations { get; }

    private const string WeightsName = "weights";

    /// <summary>W: [inputs, parents·outDims, inDims], one 16×8 matrix per (i, j). Looked up, not held: moving the
    /// module (to CUDA, to another dtype) replaces its registered parameters, and a reference kept aside would
    /// still point at the old, disposed one.</summary>
    public Parameter Weights => get_parameter(WeightsName)!;

    /// <summary>The components are registered by name in the constructor; TorchSharp's reflection over fields (which it
    /// runs when this module is registered in a parent) would register the properties' backing fields a second time.</summary>
    protected override void RegisterComponents() { }

    /// <param name="primary">u: [N, inputs, inDims].</param>
    /// <returns>û: [N, inputs, parents, outDims], computed as one batched matmul over the inputs, û_i = u_i·W_iᵀ, and
    /// returned as a view of memory laid out [inputs, N, parents, outDims] (no copy; don't <c>view</c> it).</returns>
    public Tensor Predictions(Tensor primary)
    {
        using var scope = NewDisposeScope();
        long n = primary.shape[0];
        var uHat = primary.transpose(0, 1).matmul(Weights.transpose(1, 2));   // [I, N, inDims] × [I, inDims, J·outDims]
        return uHat.view(inputs, n, parents, outDims).permute(1, 0, 2, 3).MoveToOuterDisposeScope();
    }

    /// <returns>v: [N, parents, outDims].</returns>
    public override Tensor forward(Tensor primary)
    {
        using var predictions = Predictions(primary);
        var (parentCapsules, coupling) = RoutingByAgreement.Route(predictions, RoutingIterations);
        coupling.Dispose();
        return parentCapsules;
    }
}
