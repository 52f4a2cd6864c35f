using CapsNetService.Training.Model;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.Model;

/// <summary>Each test builds a float32 model and a bfloat16 one holding the same weights (loaded from the first: two
/// models from one seed are not the same while other tests draw from the global generator).</summary>
public class MixedPrecisionConv2dTests
{
    private static CapsNet Bf16Twin(CapsNet fp32)
    {
        var bf16 = new CapsNet(fp32.Architecture, ConvolutionPrecision.Bf16);
        bf16.load_state_dict(fp32.state_dict());
        return bf16;
    }

    [Fact]
    public void Bf16_training_stays_close_to_fp32_but_is_really_bf16()
    {
        using var model = new CapsNet(CapsNetArchitecture.Paper);
        using var bf16 = Bf16Twin(model);
        model.train();
        bf16.train();
        using var images = rand(4, 1, 28, 28);
        using var labels = tensor(new long[] { 0, 3, 7, 9 });
        using var expected = model.forward(images, labels);
        using var actual = bf16.forward(images, labels);

        Assert.IsType<MixedPrecisionConv2d>(bf16.Conv1);
        Assert.IsType<MixedPrecisionConv2d>(bf16.PrimaryCaps.Conv);
        Assert.Equal(ScalarType.Float32, actual.DigitCapsules.dtype);
        double difference = (actual.DigitCapsules - expected.DigitCapsules).abs().max().item<float>();
        double scale = expected.DigitCapsules.abs().max().item<float>();
        Assert.InRange(difference, 1e-5 * scale, 0.02 * scale);
    }

    [Fact]
    public void Evaluation_is_float32_whatever_the_training_precision()
    {
        using var model = new CapsNet(CapsNetArchitecture.Paper);
        using var bf16 = Bf16Twin(model);
        model.eval();
        bf16.eval();
        using var noGrad = no_grad();
        using var images = rand(4, 1, 28, 28);
        using var expected = model.forward(images, null);
        using var actual = bf16.forward(images, null);
        Assert.True(actual.DigitCapsules.eq(expected.DigitCapsules).all().item<bool>());
        Assert.True(actual.Reconstruction.eq(expected.Reconstruction).all().item<bool>());
    }

    [Fact]
    public void Gradients_reach_the_float32_weights()
    {
        using var model = new CapsNet(CapsNetArchitecture.Paper, ConvolutionPrecision.Bf16);
        model.train();
        using var images = rand(2, 1, 28, 28);
        using var labels = tensor(new long[] { 1, 2 });
        using var output = model.forward(images, labels);
        using var loss = output.Lengths.sum() + output.Reconstruction.sum();
        loss.backward();
        foreach (var weight in new[] { model.Conv1.get_parameter("weight")!, model.PrimaryCaps.Conv.get_parameter("weight")! })
        {
            Assert.Equal(ScalarType.Float32, weight.dtype);
            Assert.Equal(ScalarType.Float32, weight.grad!.dtype);
            Assert.True(weight.grad.abs().sum().item<float>() > 0);
        }
    }

    [Fact]
    public void Both_precisions_name_their_weights_alike_so_checkpoints_are_interchangeable()
    {
        using var fp32 = new CapsNet(CapsNetArchitecture.Paper);
        using var bf16 = new CapsNet(CapsNetArchitecture.Paper, ConvolutionPrecision.Bf16);
        Assert.Equal(fp32.state_dict().Keys.Order(), bf16.state_dict().Keys.Order());
        Assert.Contains("conv1.weight", fp32.state_dict().Keys);
        Assert.Contains("decoder.hidden1.weight", fp32.state_dict().Keys);
    }
}
