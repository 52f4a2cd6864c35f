using CapsNetService.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.Run;

/// <summary>
/// An exponential moving average of a model's weights (Polyak averaging), updated after every optimisation step:
/// avg ← d·avg + (1 − d)·w. At a small learning rate Adam's weights wander around a minimum; their average sits
/// nearer its middle and usually tests better than any single step's weights. The average is a CapsNet of its own,
/// so it is evaluated, checkpointed and exported like any other.
/// </summary>
public sealed class WeightAverage(CapsNet live, double decay, Device device)
    : WeightAverage<CapsNet>(live, () => new CapsNet(live.Architecture), decay, device);

/// <summary>The moving average of any network's weights (<see cref="WeightAverage"/> is the CapsNet's).</summary>
public class WeightAverage<TModel> : IDisposable where TModel : nn.Module
{
    private readonly (Tensor Average, Tensor Live)[] pairs;

    /// <summary>Starts the average at <paramref name="live"/>'s current weights.</summary>
    /// <param name="create">A new model of <paramref name="live"/>'s kind and shape (on the CPU, fp32).</param>
    public WeightAverage(TModel live, Func<TModel> create, double decay, Device device)
    {
        if (!(decay > 0 && decay < 1)) throw new ArgumentOutOfRangeException(nameof(decay), decay, "the decay must be in (0, 1)");
        Decay = decay;
        Model = create();
        Model.to(device);
        Model.load_state_dict(live.state_dict());
        Model.eval();
        var liveByName = live.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        pairs = Model.named_parameters().Select(p => ((Tensor)p.parameter, (Tensor)liveByName[p.name])).ToArray();
        foreach (var (average, _) in pairs) average.requires_grad_(false);
    }

    public double Decay { get; }

    /// <summary>The averaged weights, as a model.</summary>
    public TModel Model { get; }

    /// <summary>Folds the live model's current weights into the average; call after each optimiser step.</summary>
    public void Update()
    {
        using var noGrad = no_grad();
        foreach (var (average, live) in pairs)
            average.mul_(Decay).add_(live, alpha: 1 - Decay);
    }

    public void Dispose() => Model.Dispose();
}
