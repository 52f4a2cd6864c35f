using CapsNetService.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.Model;

public class CapsNetTests
{
    [Theory]
    [InlineData(1)]     // the reference implementation crashes on a batch of one
    [InlineData(3)]
    public void Shapes_through_every_layer_follow_the_paper(int batch)
    {
        manual_seed(3);
        using var model = new CapsNet(CapsNetArchitecture.Paper);
        model.eval();
        using var noGrad = no_grad();
        using var images = rand(batch, 1, 28, 28);

        using var features = nn.functional.relu(model.Conv1.forward(images));
        Assert.Equal(new long[] { batch, 256, 20, 20 }, features.shape);
        using var primary = model.PrimaryCaps.forward(features);
        Assert.Equal(new long[] { batch, 1152, 8 }, primary.shape);
        using var predictions = model.DigitCaps.Predictions(primary);
        Assert.Equal(new long[] { batch, 1152, 10, 16 }, predictions.shape);
        using var digits = model.DigitCaps.forward(primary);
        Assert.Equal(new long[] { batch, 10, 16 }, digits.shape);

        using var output = model.forward(images, null);
        Assert.Equal(new long[] { batch, 10, 16 }, output.DigitCapsules.shape);
        Assert.Equal(new long[] { batch, 10 }, output.Lengths.shape);
        Assert.Equal(new long[] { batch, 1, 28, 28 }, output.Reconstruction.shape);
        Assert.True(output.Lengths.le(1).all().item<bool>());
        Assert.True(output.Reconstruction.ge(0).all().item<bool>() && output.Reconstruction.le(1).all().item<bool>());
    }

    [Theory]
    [InlineData(ConvolutionPrecision.Fp32)]
    [InlineData(ConvolutionPrecision.Bf16)]
    public void Every_parameter_follows_the_model_when_it_moves(ConvolutionPrecision precision)
    {
        // Module.to(device or dtype) replaces each registered parameter; a layer that kept its own reference to the
        // old one (a field or property under another name) would run on a disposed tensor. Moving to CUDA does that
        // replacement; so does a change of dtype, which a CPU-only host can test.
        manual_seed(4);
        using var model = new CapsNet(CapsNetArchitecture.Paper, precision).to(float64);
        Assert.All(model.parameters(), p => Assert.Equal(float64, p.dtype));
        Assert.Equal(float64, model.DigitCaps.Weights.dtype);
        model.eval();
        using var noGrad = no_grad();
        using var output = model.forward(rand(2, 1, 28, 28, dtype: float64), null);
        Assert.Equal(float64, output.Lengths.dtype);
        Assert.True(output.Lengths.isfinite().all().item<bool>());
    }

    [Theory]
    [InlineData(ConvolutionPrecision.Fp32)]
    [InlineData(ConvolutionPrecision.Bf16)]
    public void Each_weight_is_held_once_under_the_name_checkpoints_use(ConvolutionPrecision precision)
    {
        using var model = new CapsNet(CapsNetArchitecture.Paper, precision);
        string[] names =
        [
            "conv1.weight", "conv1.bias", "primaryCaps.conv.weight", "primaryCaps.conv.bias", "digitCaps.weights",
            "decoder.hidden1.weight", "decoder.hidden1.bias", "decoder.hidden2.weight", "decoder.hidden2.bias",
            "decoder.output.weight", "decoder.output.bias",
        ];
        Assert.Equal(names.Order(), model.state_dict().Keys.Order());
        // 20,992 + 5,308,672 + 1,474,560 + 1,411,344: the paper's CapsNet with its decoder.
        Assert.Equal(8_215_568L, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Primary_capsules_are_squashed()
    {
        using var model = new CapsNet(CapsNetArchitecture.Paper);
        using var noGrad = no_grad();
        using var primary = model.PrimaryCaps.forward(rand(2, 256, 20, 20) * 5);
        Assert.True(Capsules.Length(primary).lt(1).all().item<bool>());
    }

    [Fact]
    public void Transform_matrices_are_one_per_input_capsule_and_digit()
    {
        using var model = new CapsNet(CapsNetArchitecture.Paper);
        Assert.Equal(new long[] { 1152, 10 * 16, 8 }, model.DigitCaps.Weights.shape);
    }

    [Fact]
    public void Predictions_are_W_times_u_for_each_input_and_parent()
    {
        manual_seed(5);
        using var model = new CapsNet(CapsNetArchitecture.Paper);
        using var noGrad = no_grad();
        using var u = randn(2, 1152, 8);
        using var uHat = model.DigitCaps.Predictions(u);
        // û_{j|i} for sample 1, input 17, parent 4, computed directly as W_ij · u_i.
        using var w = model.DigitCaps.Weights[17].view(10, 16, 8)[4];
        using var expected = w.matmul(u[1, 17]);
        Assert.True(uHat[1, 17, 4].allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Decoder_sees_the_true_capsule_in_training_and_the_longest_at_test()
    {
        manual_seed(11);
        using var model = new CapsNet(CapsNetArchitecture.Paper);
        using var noGrad = no_grad();
        model.DigitCaps.Weights.mul_(50);       // capsules long enough for the decoder to tell them apart
        using var images = rand(2, 1, 28, 28);
        using var test = model.forward(images, null);
        using var predicted = test.Lengths.argmax(1);
        using var otherLabels = (predicted + 1).remainder(10);
        using var training = model.forward(images, otherLabels);
        using var sameLabels = model.forward(images, predicted);
        Assert.True(sameLabels.Reconstruction.allclose(test.Reconstruction));
        Assert.False(training.Reconstruction.allclose(test.Reconstruction));
    }

    [Fact]
    public void Mask_keeps_only_the_chosen_capsule()
    {
        using var capsules = ones(2, 10, 16);
        using var masked = Decoder.Mask(capsules, tensor(new long[] { 3, 9 }));
        using var lengths = masked.abs().sum(2);
        Assert.Equal(16f, lengths[0, 3].item<float>());
        Assert.Equal(16f, lengths[1, 9].item<float>());
        Assert.Equal(32f, lengths.sum().item<float>());
    }
}
