using CapsNetService.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.Model;

public class CapsulesTests
{
    [Fact]
    public void Squash_keeps_every_length_below_one_and_orders_them_like_the_inputs()
    {
        using var s = tensor(new float[] { 0.01f, 0, 0, 0.5f, 0, 0, 3f, 4f, 0, 100f, 0, 0 }, [4, 3]);
        using var lengths = Capsules.Length(Capsules.Squash(s));
        var values = lengths.data<float>().ToArray();
        Assert.All(values, v => Assert.InRange(v, 0f, 1f - 1e-6f));
        Assert.True(values[0] < values[1] && values[1] < values[2] && values[2] < values[3]);
        // |s| = 5 → 25/26
        Assert.Equal(25f / 26f, values[2], 1e-5f);
    }

    [Fact]
    public void Squash_keeps_the_direction()
    {
        using var s = tensor(new float[] { 3f, -4f, 12f }, [1, 3]);
        using var v = Capsules.Squash(s);
        using var cosine = (s * v).sum() / (s.norm() * v.norm());
        Assert.Equal(1f, cosine.item<float>(), 1e-6f);
    }

    [Fact]
    public void Squash_of_the_zero_vector_is_zero_with_a_finite_gradient()
    {
        using var s = zeros(2, 8, requires_grad: true);
        using var v = Capsules.Squash(s);
        Assert.Equal(0f, v.abs().max().item<float>());
        using var total = Capsules.Length(v).sum();
        total.backward();
        Assert.False(s.grad!.isnan().any().item<bool>());
        Assert.False(s.grad!.isinf().any().item<bool>());
    }

    [Fact]
    public void Squash_works_along_the_requested_dimension()
    {
        using var s = tensor(new float[] { 3f, 0f, 4f, 0f }, [2, 2]);   // columns (3,4) and (0,0)
        using var v = Capsules.Squash(s, dim: 0);
        Assert.Equal(25f / 26f, Capsules.Length(v, dim: 0)[0].item<float>(), 1e-5f);
    }
}
