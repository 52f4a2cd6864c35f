using CapsNetService.Training.Model;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.Model;

public class BaselineCnnTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void A36By36BatchGivesTenProbabilitiesPerImage(int batch)
    {
        manual_seed(11);
        using var model = new BaselineCnn();
        model.eval();
        using var noGrad = no_grad();
        using var images = rand(batch, 1, 36, 36);
        using var probabilities = model.forward(images);

        Assert.Equal(new long[] { batch, 10 }, probabilities.shape);
        Assert.Equal(ScalarType.Float32, probabilities.dtype);
        Assert.True(probabilities.gt(0).all().item<bool>() && probabilities.lt(1).all().item<bool>());
    }

    [Fact]
    public void ItHasAboutTheTwentyFourMillionParametersOfThePaperAt36By36()
    {
        using var model = new BaselineCnn();
        long count = 0;
        foreach (var parameter in model.parameters()) count += parameter.numel();
        output.WriteLine($"BaselineCnn on 36×36: {count:N0} parameters (the paper: 24.56 M)");

        long convolutions = (1 * 25 * 256 + 256) + (256 * 25 * 256 + 256) + (256 * 25 * 128 + 128);
        long fullyConnected = (128 * 24 * 24 * 328 + 328) + (328 * 192 + 192) + (192 * 10 + 10);
        Assert.Equal(convolutions + fullyConnected, count);
        Assert.Equal(26_712_850, count);
        Assert.InRange(count, 0.8 * 24e6, 1.2 * 24e6);
    }

    [Fact]
    public void ALossOnTwoLabelsReachesEveryLayer()
    {
        manual_seed(12);
        using var model = new BaselineCnn(dropoutRate: 0);
        model.train();
        using var images = rand(2, 1, 36, 36);
        using var targets = zeros(2, 10);
        targets[0, 3] = tensor(1f); targets[0, 7] = tensor(1f);
        targets[1, 0] = tensor(1f); targets[1, 9] = tensor(1f);

        using var loss = nn.functional.binary_cross_entropy(model.forward(images), targets);
        loss.backward();

        var parameters = model.named_parameters().ToList();
        Assert.Equal(12, parameters.Count);   // weight and bias of three convolutions and three linear layers
        foreach (var (name, parameter) in parameters)
            Assert.True(parameter.grad is { } grad && grad.abs().sum().item<float>() > 0, $"{name} has no gradient");
    }

    [Fact]
    public void Bf16TrainingStaysCloseToFp32AndEvaluationIsFloat32()
    {
        manual_seed(13);
        using var model = new BaselineCnn(dropoutRate: 0);
        using var mixedModel = new BaselineCnn(dropoutRate: 0, precision: ConvolutionPrecision.Bf16);
        mixedModel.load_state_dict(model.state_dict());   // the same float32 weights, whichever convolution module holds them
        using var images = rand(2, 1, 36, 36);
        model.train();
        mixedModel.train();
        using var expected = model.forward(images);
        using var mixed = mixedModel.forward(images);
        double difference = (mixed - expected).abs().max().item<float>();
        Assert.InRange(difference, 1e-7, 0.02);

        model.eval();
        mixedModel.eval();
        using var noGrad = no_grad();
        using var evaluated = model.forward(images);
        using var evaluatedMixed = mixedModel.forward(images);
        Assert.True(evaluated.eq(evaluatedMixed).all().item<bool>());
    }
}
