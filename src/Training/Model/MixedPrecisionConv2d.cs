using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CapsNetService.Training.Model;

/// <summary>
/// A 2-D convolution that computes in bfloat16 while training, as autocast does it: bfloat16 copies of its input and
/// weights, a float32 result for the capsules. The weights themselves stay float32 (the optimiser, the checkpoints and
/// the export see a plain convolution's <c>weight</c> and <c>bias</c>), and evaluation computes in float32, the
/// exported model's precision, so every reported accuracy is the served model's. On CPUs with AVX512_BF16 and on GPUs
/// that is about twice as fast; the convolutions are nearly all of a CapsNet's arithmetic.
/// </summary>
public sealed class MixedPrecisionConv2d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight, bias;
    private readonly long stride;

    private MixedPrecisionConv2d(Conv2d initial, long stride) : base(nameof(MixedPrecisionConv2d))
    {
        weight = initial.weight!;
        bias = initial.bias!;
        this.stride = stride;
        RegisterComponents();
    }

    /// <summary>The convolution a model is built with: a plain <see cref="Conv2d"/> for float32, this module for
    /// bfloat16. Both hold parameters named <c>weight</c> and <c>bias</c>, so their checkpoints are interchangeable.</summary>
    public static nn.Module<Tensor, Tensor> Create(long inChannels, long outChannels, long kernelSize, long stride,
                                                   ConvolutionPrecision precision)
    {
        var conv = nn.Conv2d(inChannels, outChannels, kernelSize, stride);
        return precision == ConvolutionPrecision.Fp32 ? conv : new MixedPrecisionConv2d(conv, stride);
    }

    public override Tensor forward(Tensor input)
    {
        if (!training) return nn.functional.conv2d(input, weight, bias, strides: [stride, stride]);
        using var scope = NewDisposeScope();
        var output = nn.functional.conv2d(input.to(bfloat16), weight.to(bfloat16), bias.to(bfloat16), strides: [stride, stride]);
        return output.to(input.dtype).MoveToOuterDisposeScope();
    }
}
