using CapsNetService.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CapsNetService.Training.Model;

/// <summary>What one forward pass yields; the caller disposes it.</summary>
public sealed record CapsNetOutput(Tensor DigitCapsules, Tensor Lengths, Tensor Reconstruction) : IDisposable
{
    public void Dispose()
    {
        DigitCapsules.Dispose();
        Lengths.Dispose();
        Reconstruction.Dispose();
    }
}

/// <summary>
/// The CapsNet of Sabour, Frosst and Hinton (2017): Conv1 → PrimaryCaps → DigitCaps (routing by agreement)
/// → lengths as class probabilities, and a decoder that reconstructs the input from one digit capsule.
/// </summary>
public sealed class CapsNet : nn.Module<Tensor, Tensor?, CapsNetOutput>
{
    private readonly Conv2d conv1;
    private readonly PrimaryCapsules primaryCaps;
    private readonly DigitCapsules digitCaps;
    private readonly Decoder decoder;

    public CapsNet(CapsNetArchitecture architecture) : base(nameof(CapsNet))
    {
        Architecture = architecture;
        var a = architecture;
        conv1 = nn.Conv2d(1, a.Conv1Channels, a.KernelSize);
        primaryCaps = new PrimaryCapsules(a.Conv1Channels, a.PrimaryMaps, a.PrimaryDims, a.KernelSize, a.PrimaryStride);
        digitCaps = new DigitCapsules(a.PrimaryCapsuleCount, a.PrimaryDims, ModelContract.Classes, ModelContract.CapsuleDims,
                                      a.RoutingIterations);
        decoder = new Decoder(ModelContract.Classes * ModelContract.CapsuleDims, ModelContract.ImageSide);
        RegisterComponents();
    }

    public CapsNetArchitecture Architecture { get; }
    public Conv2d Conv1 => conv1;
    public PrimaryCapsules PrimaryCaps => primaryCaps;
    public DigitCapsules DigitCaps => digitCaps;
    public Decoder Decoder => decoder;

    /// <summary>What Conv1 and PrimaryCaps compute in while training; evaluation and export always use float32, the
    /// precision of the exported ONNX model, so every accuracy reported is the served model's.</summary>
    public ConvolutionPrecision TrainingPrecision
    {
        get => primaryCaps.TrainingPrecision;
        set => primaryCaps.TrainingPrecision = value;
    }

    /// <param name="images">[N, 1, 28, 28] in [0, 1].</param>
    /// <param name="labels">[N] true digits while training (the decoder sees the true capsule);
    /// null at test time (the decoder sees the longest capsule).</param>
    public override CapsNetOutput forward(Tensor images, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        var precision = training ? TrainingPrecision : ConvolutionPrecision.Fp32;
        var features = nn.functional.relu(MixedPrecisionConvolution.Forward(conv1, images, precision));   // [N, 256, 20, 20]
        var primary = primaryCaps.forward(features);                // u: [N, 1152, 8]
        var digits = digitCaps.forward(primary);                    // v: [N, 10, 16]
        var lengths = Capsules.Length(digits);                      // [N, 10]
        var chosen = labels ?? lengths.argmax(1);
        var reconstruction = decoder.forward(Decoder.Mask(digits, chosen));
        return new CapsNetOutput(digits.MoveToOuterDisposeScope(), lengths.MoveToOuterDisposeScope(),
                                 reconstruction.MoveToOuterDisposeScope());
    }
}
