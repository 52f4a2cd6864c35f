using CapsNetService.Training.Model;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.Model;

/// <summary>Each test runs one model twice, switching its precision in between: the weights are the same by
/// construction (a second model from the same seed is not, while other tests draw from the global generator).</summary>
public class MixedPrecisionConvolutionTests
{
    [Fact]
    public void Bf16_training_stays_close_to_fp32_but_is_really_bf16()
    {
        using var model = new CapsNet(CapsNetArchitecture.Paper);
        model.train();
        using var images = rand(4, 1, 28, 28);
        using var labels = tensor(new long[] { 0, 3, 7, 9 });
        using var expected = model.forward(images, labels);
        model.TrainingPrecision = ConvolutionPrecision.Bf16;
        using var actual = model.forward(images, labels);

        Assert.Equal(ScalarType.Float32, actual.DigitCapsules.dtype);
        double difference = (actual.DigitCapsules - expected.DigitCapsules).abs().max().item<float>();
        double scale = expected.DigitCapsules.abs().max().item<float>();
        Assert.InRange(difference, 1e-5 * scale, 0.02 * scale);
    }

    [Fact]
    public void Evaluation_is_float32_whatever_the_training_precision()
    {
        using var model = new CapsNet(CapsNetArchitecture.Paper);
        model.eval();
        using var noGrad = no_grad();
        using var images = rand(4, 1, 28, 28);
        using var expected = model.forward(images, null);
        model.TrainingPrecision = ConvolutionPrecision.Bf16;
        using var actual = model.forward(images, null);
        Assert.True(actual.DigitCapsules.eq(expected.DigitCapsules).all().item<bool>());
        Assert.True(actual.Reconstruction.eq(expected.Reconstruction).all().item<bool>());
    }

    [Fact]
    public void Gradients_reach_the_float32_weights()
    {
        using var model = new CapsNet(CapsNetArchitecture.Paper) { TrainingPrecision = ConvolutionPrecision.Bf16 };
        model.train();
        using var images = rand(2, 1, 28, 28);
        using var labels = tensor(new long[] { 1, 2 });
        using var output = model.forward(images, labels);
        using var loss = output.Lengths.sum() + output.Reconstruction.sum();
        loss.backward();
        foreach (var weight in new[] { model.Conv1.weight!, model.PrimaryCaps.Conv.weight! })
        {
            Assert.Equal(ScalarType.Float32, weight.dtype);
            Assert.Equal(ScalarType.Float32, weight.grad!.dtype);
            Assert.True(weight.grad.abs().sum().item<float>() > 0);
        }
    }
}
