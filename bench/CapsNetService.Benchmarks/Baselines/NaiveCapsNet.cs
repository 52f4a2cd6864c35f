using CapsNetService.Training.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CapsNetService.Benchmarks.Baselines;

/// <summary>
/// BENCHMARK BASELINE, NOT PRODUCT CODE. The CapsNet of Sabour et al. (2017) written the way the well-known
/// PyTorch implementations write it, to show what the vectorised <see cref="CapsNet"/> of src/Training buys:
/// <list type="bullet">
/// <item>PrimaryCaps as one 32-channel convolution per capsule dimension (8 of them, stacked), as gram-ai's
///   <c>capsule_network.py</c> and higgsfield's notebook do, instead of one 256-channel convolution;</item>
/// <item>û_j|i through the 5-D broadcast matmul W [1, 1152, 10, 16, 8] × u [N, 1152, 10, 8, 1], W expanded over the
///   batch and u repeated over the 10 parents (matmul materialises both);</item>
/// <item>routing by agreement with a Python-style loop over the 10 parents for s_j, v_j and the agreement.</item>
/// </list>
/// The maths are the paper's and exactly those of <see cref="CapsNet"/>: per-image routing logits, softmax over the
/// parents j (not over the inputs i, the axis gram-ai uses), the same squash with the same ε, no detached û in the
/// early iterations. <see cref="CopyFrom"/> loads a <see cref="CapsNet"/>'s weights, so both compute the same
/// function and the comparison is one of implementation only (the harness checks that before it times anything).
/// </summary>
public sealed class NaiveCapsNet : nn.Module<Tensor, Tensor?, CapsNetOutput>
{
    private const long Inputs = 1152, Parents = 10, InDims = 8, OutDims = 16, PrimaryMaps = 32;

    private readonly Conv2d conv1;
    private readonly ModuleList<Conv2d> primaryUnits;   // one convolution per capsule dimension
    private readonly Parameter weights;                 // W: [1, 1152, 10, 16, 8]
    private readonly Linear hidden1, hidden2, output;
    private readonly int routingIterations;

    public NaiveCapsNet(int routingIterations = 3) : base(nameof(NaiveCapsNet))
    {
        this.routingIterations = routingIterations;
        conv1 = nn.Conv2d(1, 256, 9);
        primaryUnits = nn.ModuleList(Enumerable.Range(0, (int)InDims)
                                               .Select(_ => nn.Conv2d(256, PrimaryMaps, 9, stride: 2)).ToArray());
        weights = nn.Parameter(randn([1, Inputs, Parents, OutDims, InDims]) * 0.01f);
        hidden1 = nn.Linear(Parents * OutDims, 512);
        hidden2 = nn.Linear(512, 1024);
        output = nn.Linear(1024, 784);
        RegisterComponents();
    }

    public override CapsNetOutput forward(Tensor images, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        long n = images.shape[0];
        var x = nn.functional.relu(conv1.forward(images));                                  // [N, 256, 20, 20]

        // PrimaryCaps: one unit per capsule dimension d, each giving 32 maps of 6×6.
        var units = primaryUnits.Select(unit => unit.forward(x)).ToArray();                 // 8 × [N, 32, 6, 6]
        var u = stack(units, dim: 1).view(n, InDims, -1).transpose(1, 2);                   // [N, 1152, 8]
        u = Squash(u);

        // û_j|i = W_ij u_i by the 5-D broadcast matmul.
        var uTiled = u.unsqueeze(2).expand(n, Inputs, Parents, InDims).unsqueeze(-1);       // [N, 1152, 10, 8, 1]
        var w = weights.expand(n, Inputs, Parents, OutDims, InDims);                        // [N, 1152, 10, 16, 8]
        var uHat = w.matmul(uTiled).squeeze(-1);                                            // [N, 1152, 10, 16]

        // Routing by agreement, one parent at a time.
        var logits = zeros(n, Inputs, Parents, dtype: uHat.dtype, device: uHat.device);     // b_ij
        var parents = new Tensor[Parents];
        for (int r = 0; r < routingIterations; r++)
        {
            var coupling = nn.functional.softmax(logits, dim: 2);                           // c_ij over j
            for (int j = 0; j < Parents; j++)
            {
                var cj = coupling.select(2, j).unsqueeze(-1);                               // [N, 1152, 1]
                var uHatJ = uHat.select(2, j);                                              // [N, 1152, 16]
                var sj = (cj * uHatJ).sum(1);                                               // [N, 16]
                parents[j] = Squash(sj);                                                    // v_j
            }
            if (r < routingIterations - 1)
            {
                var agreements = new Tensor[Parents];
                for (int j = 0; j < Parents; j++)
                    agreements[j] = (uHat.select(2, j) * parents[j].unsqueeze(1)).sum(-1);  // û_j|i · v_j: [N, 1152]
                logits = logits + stack(agreements, dim: 2);
            }
        }
        var digits = stack(parents, dim: 1);                                                // [N, 10, 16]

        var lengths = (digits.square().sum(-1) + Capsules.Epsilon).sqrt();                  // [N, 10]
        var chosen = labels ?? lengths.argmax(1);
        var mask = nn.functional.one_hot(chosen, Parents).to(digits.dtype).unsqueeze(-1);
        var h = nn.functional.relu(hidden1.forward((digits * mask).view(n, -1)));
        h = nn.functional.relu(hidden2.forward(h));
        var reconstruction = nn.functional.sigmoid(output.forward(h)).view(n, 1, 28, 28);
        return new CapsNetOutput(digits.MoveToOuterDisposeScope(), lengths.MoveToOuterDisposeScope(),
                                 reconstruction.MoveToOuterDisposeScope());
    }

    /// <summary>The paper's squash, written out as the reference implementations do, with the product's ε.</summary>
    private static Tensor Squash(Tensor s)
    {
        var squaredNorm = (s * s).sum(-1, keepdim: true);
        return squaredNorm / (1 + squaredNorm) * s / (squaredNorm + Capsules.Epsilon).sqrt();
    }

    /// <summary>Loads the weights of <paramref name="model"/>, so that both compute the same function.
    /// The product's PrimaryCaps channel m·8 + d is channel m of this model's unit d.</summary>
    public void CopyFrom(CapsNet model)
    {
        using var noGrad = no_grad();
        conv1.weight!.copy_(model.Conv1.get_parameter("weight")!);
        conv1.bias!.copy_(model.Conv1.get_parameter("bias")!);
        var primaryWeight = model.PrimaryCaps.Conv.get_parameter("weight")!.view(PrimaryMaps, InDims, 256, 9, 9);
        var primaryBias = model.PrimaryCaps.Conv.get_parameter("bias")!.view(PrimaryMaps, InDims);
        for (int d = 0; d < InDims; d++)
        {
            primaryUnits[d].weight!.copy_(primaryWeight.select(1, d));
            primaryUnits[d].bias!.copy_(primaryBias.select(1, d));
        }
        weights.copy_(model.DigitCaps.Weights.view(1, Inputs, Parents, OutDims, InDims));
        hidden1.weight!.copy_(Decoder.Layer(model.Decoder, Decoder.Hidden1).weight!);
        hidden1.bias!.copy_(Decoder.Layer(model.Decoder, Decoder.Hidden1).bias!);
        hidden2.weight!.copy_(Decoder.Layer(model.Decoder, Decoder.Hidden2).weight!);
        hidden2.bias!.copy_(Decoder.Layer(model.Decoder, Decoder.Hidden2).bias!);
        output.weight!.copy_(Decoder.Layer(model.Decoder, Decoder.Output).weight!);
        output.bias!.copy_(Decoder.Layer(model.Decoder, Decoder.Output).bias!);
    }
}
