using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.Model;

/// <summary>
/// PrimaryCaps: a 9×9 stride-2 convolution with <c>maps × dims</c> channels, read as <c>maps</c> grids of
/// <c>dims</c>-D capsules (32 × 6 × 6 = 1152 capsules of 8-D on MNIST), each squashed.
/// Channel <c>m·dims + d</c> is dimension d of the capsules on map m.
/// </summary>
public sealed class PrimaryCapsules : nn.Module<Tensor, Tensor>
{
    private readonly long maps, dims;

    public PrimaryCapsules(long inChannels, long maps, long dims, long kernelSize, long stride,
                           ConvolutionPrecision precision = ConvolutionPrecision.Fp32)
        : base(nameof(PrimaryCapsules))
    {
        this.maps = maps;
        this.dims = dims;
        Conv = MixedPrecisionConv2d.Create(inChannels, maps * dims, kernelSize, stride, precision);
        register_module("conv", Conv);
    }

    public nn.Module<Tensor, Tensor> Conv { get; }

    /// <summary>The components are registered by name in the constructor; TorchSharp's reflection over fields (which it
    /// runs when this module is registered in a parent) would register the properties' backing fields a second time.</summary>
    protected override void RegisterComponents() { }

    /// <returns>[N, maps·H·W, dims] squashed capsule vectors.</returns>
    public override Tensor forward(Tensor features)
    {
        using var scope = NewDisposeScope();
        var grid = Conv.forward(features);                       // [N, maps·dims, H, W]
        long n = grid.shape[0], h = grid.shape[2], w = grid.shape[3];
        var capsules = grid.view(n, maps, dims, h, w)
                           .permute(0, 1, 3, 4, 2)              // [N, maps, H, W, dims]
                           .reshape(n, maps * h * w, dims);
        return Capsules.Squash(capsules).MoveToOuterDisposeScope();
    }
}
