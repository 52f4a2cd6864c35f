using CapsNetService.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Benchmarks.Experiments;

/// <summary>A candidate change to the DigitCaps step (prediction + routing), timed against the product's.</summary>
/// <param name="DigitCapsules">(u [N, 1152, 8], W [1152, 160, 8], iterations) → v [N, 10, 16].</param>
public sealed record DigitCapsVariant(string Name, string Description, Func<Tensor, Tensor, int, Tensor> DigitCapsules);

/// <summary>
/// EXPERIMENT, NOT PRODUCT CODE: the product's <see cref="CapsNet"/> (its layers and weights, used as they are),
/// with the DigitCaps computation swapped for a candidate. It exists to measure a proposed change to src/Training
/// before anyone makes it; the harness checks that each variant computes the product's function.
/// </summary>
public sealed class ExperimentalCapsNet : nn.Module<Tensor, Tensor?, CapsNetOutput>
{
    private readonly CapsNet inner;
    private readonly DigitCapsVariant variant;

    public ExperimentalCapsNet(CapsNet product, DigitCapsVariant variant) : base("Experimental" + nameof(CapsNet))
    {
        inner = product;
        this.variant = variant;
        RegisterComponents();
    }

    public override CapsNetOutput forward(Tensor images, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        var features = nn.functional.relu(inner.Conv1.forward(images));
        var primary = inner.PrimaryCaps.forward(features);
        var digits = variant.DigitCapsules(primary, inner.DigitCaps.Weights, inner.Architecture.RoutingIterations);
        var lengths = Capsules.Length(digits);
        var chosen = labels ?? lengths.argmax(1);
        var reconstruction = inner.Decoder.forward(Decoder.Mask(digits, chosen));
        return new CapsNetOutput(digits.MoveToOuterDisposeScope(), lengths.MoveToOuterDisposeScope(),
                                 reconstruction.MoveToOuterDisposeScope());
    }

    public static IReadOnlyList<DigitCapsVariant> Variants { get; } =
    [
        new("exp-uhat-view",
            "ProposedDigitCapsules.Predictions only: û as a view (no permute copy), the product's routing on it",
            (u, w, iterations) =>
            {
                using var predictions = ProposedDigitCapsules.Predictions(u, w, parents: 10);
                var (v, c) = RoutingByAgreement.Route(predictions, iterations);
                c.Dispose();
                return v;
            }),
        new("exp-bmm-routing",
            "ProposedDigitCapsules: û as a view (no permute copy) and routing's sums over i as bmm (no [N,I,J,D] temporaries)",
            (u, w, iterations) =>
            {
                using var predictions = ProposedDigitCapsules.Predictions(u, w, parents: 10);
                var (v, c) = ProposedDigitCapsules.Route(predictions, iterations);
                c.Dispose();
                return v;
            }),
    ];
}
