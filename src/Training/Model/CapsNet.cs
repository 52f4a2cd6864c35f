using CapsNetService.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CapsNetService.Training.Model;

/// <summary>
/// The CapsNet of Sabour, Frosst and Hinton (2017): Conv1 → PrimaryCaps → DigitCaps (routing by agreement)
/// → lengths as class probabilities, and a decoder that reconstructs the input from one digit capsule.
/// </summary>
public sealed class CapsNet : nn.Module<Tensor, Tensor?, CapsNetOutput>
{
    /// <param name="precision">What the two convolutions compute in while training (see
    /// <see cref="MixedPrecisionConv2d"/>); the weights, and so the checkpoints, are float32 either way.</param>
    public CapsNet(CapsNetArchitecture architecture, ConvolutionPrecision precision = ConvolutionPrecision.Fp32)
        : base(nameof(CapsNet))
    {
        Architecture = architecture;
        var a = architecture;
        Conv1 = MixedPrecisionConv2d.Create(1, a.Conv1Channels, a.KernelSize, stride: 1, precision);
        PrimaryCaps = new PrimaryCapsules(a.Conv1Channels, a.PrimaryMaps, a.PrimaryDims, a.KernelSize, a.PrimaryStride, precision);
        DigitCaps = new DigitCapsules(a.PrimaryCapsuleCount, a.PrimaryDims, ModelContract.Classes, ModelContract.CapsuleDims,
                                      a.RoutingIterations);
        Decoder = Model.Decoder.Create(ModelContract.Classes * ModelContract.CapsuleDims, a.ImageSide);
        // The names of the parameters in checkpoints: conv1.weight, primaryCaps.conv.weight, digitCaps.weights, decoder.hidden1.weight, …
        register_module("conv1", Conv1);
        register_module("primaryCaps", PrimaryCaps);
        register_module("digitCaps", DigitCaps);
        register_module("decoder", Decoder);
    }

    public CapsNetArchitecture Architecture { get; }
    public nn.Module<Tensor, Tensor> Conv1 { get; }
    public PrimaryCapsules PrimaryCaps { get; }
    public DigitCapsules DigitCaps { get; }
    public Sequential Decoder { get; }

    /// <summary>The components are registered by name in the constructor; TorchSharp's reflection over fields (which it
    /// runs when this module is registered in a parent) would register the properties' backing fields a second time.</summary>
    protected override void RegisterComponents() { }

    /// <param name="images">[N, 1, side, side] in [0, 1] (side 28, or 36 for MultiMNIST).</param>
    /// <param name="labels">[N] true digits while training (the decoder sees the true capsule);
    /// null at test time (the decoder sees the longest capsule).</param>
    public override CapsNetOutput forward(Tensor images, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        var (digits, lengths) = Encode(images);
        var chosen = labels ?? lengths.argmax(1);
        var reconstruction = Reconstruct(digits, chosen);
        return new CapsNetOutput(digits.MoveToOuterDisposeScope(), lengths.MoveToOuterDisposeScope(),
                                 reconstruction.MoveToOuterDisposeScope());
    }

    /// <summary>The capsule part alone: v [N, 10, 16] and its lengths [N, 10].</summary>
    public (Tensor Digits, Tensor Lengths) Encode(Tensor images)
    {
        using var scope = NewDisposeScope();
        var features = nn.functional.relu(Conv1.forward(images));  // [N, 256, 20, 20] (28 × 28 input)
        var primary = PrimaryCaps.forward(features);                // u: [N, 1152, 8]
        var digits = DigitCaps.forward(primary);                    // v: [N, 10, 16]
        var lengths = Capsules.Length(digits);                      // [N, 10]
        return (digits.MoveToOuterDisposeScope(), lengths.MoveToOuterDisposeScope());
    }

    /// <summary>The decoder's image from the capsule of <paramref name="digit"/> ([N] class indices), all others
    /// masked: [N, 1, side, side]. MultiMNIST reconstructs each of the two digits this way.</summary>
    public Tensor Reconstruct(Tensor digits, Tensor digit)
    {
        using var masked = Model.Decoder.Mask(digits, digit);
        return Decoder.forward(masked);
    }
}
