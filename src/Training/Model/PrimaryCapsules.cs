using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CapsNetService.Training.Model;

/// <summary>
/// PrimaryCaps: a 9×9 stride-2 convolution with <c>maps × dims</c> channels, read as <c>maps</c> grids of
/// <c>dims</c>-D capsules (32 × 6 × 6 = 1152 capsules of 8-D on MNIST), each squashed.
/// Channel <c>m·dims + d</c> is dimension d of the capsules on map m.
/// </summary>
public sealed class PrimaryCapsules : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly long maps, dims;

    public PrimaryCapsules(long inChannels, long maps, long dims, long kernelSize, long stride)
        : base(nameof(PrimaryCapsules))
    {
        this.maps = maps;
        this.dims = dims;
        conv = nn.Conv2d(inChannels, maps * dims, kernelSize, stride);
        RegisterComponents();
    }

    public Conv2d Conv => conv;

    /// <summary>Used in training mode only: evaluation and export always compute in float32.</summary>
    public ConvolutionPrecision TrainingPrecision { get; set; } = ConvolutionPrecision.Fp32;

    /// <returns>[N, maps·H·W, dims] squashed capsule vectors.</returns>
    public override Tensor forward(Tensor features)
    {
        using var scope = NewDisposeScope();
        var grid = MixedPrecisionConvolution.Forward(conv, features, training ? TrainingPrecision : ConvolutionPrecision.Fp32);  // [N, maps·dims, H, W]
        long n = grid.shape[0], h = grid.shape[2], w = grid.shape[3];
        var capsules = grid.view(n, maps, dims, h, w)
                           .permute(0, 1, 3, 4, 2)              // [N, maps, H, W, dims]
                           .reshape(n, maps * h * w, dims);
        return Capsules.Squash(capsules).MoveToOuterDisposeScope();
    }
}
