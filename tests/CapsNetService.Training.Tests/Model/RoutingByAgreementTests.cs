using CapsNetService.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.Model;

public class RoutingByAgreementTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Coupling_coefficients_of_each_input_sum_to_one_over_the_parents(int iterations)
    {
        manual_seed(1);
        using var predictions = randn(2, 1152, 10, 16) * 0.05f;
        var (parents, coupling) = RoutingByAgreement.Route(predictions, iterations);
        using (parents)
        using (coupling)
        {
            Assert.Equal(new long[] { 2, 10, 16 }, parents.shape);
            Assert.Equal(new long[] { 2, 1152, 10 }, coupling.shape);
            using var sums = coupling.sum(2);
            Assert.True(sums.allclose(ones_like(sums), rtol: 0, atol: 1e-5));
        }
    }

    [Fact]
    public void First_iteration_couples_uniformly()
    {
        using var predictions = randn(1, 5, 10, 4);
        var (parents, coupling) = RoutingByAgreement.Route(predictions, 1);
        using (parents)
        using (coupling)
            Assert.True(coupling.allclose(full_like(coupling, 0.1f)));
    }

    [Fact]
    public void Routing_sends_inputs_to_the_parent_they_agree_on()
    {
        // Every input predicts the same vector for parent 0 and random noise for the others:
        // agreement must pull the coupling of all inputs towards parent 0.
        manual_seed(7);
        var agreeing = ones(1, 64, 1, 8) * 0.2f;
        var noise = randn(1, 64, 9, 8) * 0.2f;
        using var predictions = cat([agreeing, noise], 2);
        var (parents, coupling) = RoutingByAgreement.Route(predictions, 3);
        using (parents)
        using (coupling)
        {
            using var meanCoupling = coupling.mean([0, 1]);
            Assert.Equal(0, meanCoupling.argmax().item<long>());
            Assert.True(meanCoupling[0].item<float>() > 0.2f);
            using var lengths = Capsules.Length(parents);
            Assert.Equal(0, lengths.argmax(1).item<long>());
        }
    }

    [Fact]
    public void Zero_predictions_give_zero_parents_not_NaN()
    {
        using var predictions = zeros(3, 10, 10, 16);
        var (parents, coupling) = RoutingByAgreement.Route(predictions, 3);
        using (parents)
        using (coupling)
        {
            Assert.False(parents.isnan().any().item<bool>());
            Assert.Equal(0f, parents.abs().max().item<float>());
        }
    }

    [Fact]
    public void Zero_iterations_are_refused()
    {
        using var predictions = zeros(1, 2, 10, 16);
        Assert.Throws<ArgumentOutOfRangeException>(() => RoutingByAgreement.Route(predictions, 0));
    }
}
