using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CapsNetService.Training.Model;

/// <summary>The number format the two 9×9 convolutions compute in while training.</summary>
public enum ConvolutionPrecision
{
    /// <summary>Float32 throughout, as in the paper.</summary>
    Fp32,
    /// <summary>
    /// Mixed precision, as autocast does it: the convolutions (nearly all of the arithmetic) take bfloat16 copies of their
    /// input and weights and hand a float32 result to the capsules; the weights themselves, the optimiser, the squash,
    /// routing, the decoder and the loss stay float32. On CPUs with AVX512_BF16 and on GPUs that is about twice as fast.
    /// </summary>
    Bf16,
}

public static class MixedPrecisionConvolution
{
    /// <summary><paramref name="conv"/> applied to <paramref name="input"/>, in bfloat16 when asked for, else as is.</summary>
    public static Tensor Forward(Conv2d conv, Tensor input, ConvolutionPrecision precision)
    {
        if (precision == ConvolutionPrecision.Fp32) return conv.forward(input);
        using var scope = NewDisposeScope();
        var output = nn.functional.conv2d(input.to(bfloat16), conv.weight!.to(bfloat16), conv.bias?.to(bfloat16),
                                          conv.stride, conv.padding, conv.dilation, conv.groups);
        return output.to(input.dtype).MoveToOuterDisposeScope();
    }
}
