using CapsNetService.Common.Mnist;
using CapsNetService.Training.Data;
using CapsNetService.Training.Model;
using CapsNetService.Training.Run;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Benchmarks.Training;

/// <summary>
/// One optimisation step exactly as <c>Trainer.TrainEpoch</c> does it: a shifted batch from MNIST, forward with
/// the labels, margin + reconstruction loss, <c>zero_grad</c>, <c>backward</c>, Adam's <c>step</c>, and the running
/// loss and accuracy sums (without the progress read-back every 10th step, which costs nothing on the CPU).
/// </summary>
public sealed class TrainingStep : IDisposable
{
    private readonly nn.Module<Tensor, Tensor?, CapsNetOutput> model;
    private readonly MnistSet train;
    private readonly int batchSize;
    private readonly Device device;
    private readonly optim.Optimizer optimizer;
    private readonly CapsuleLoss loss = new();
    private readonly Random random;
    private readonly int[] order;
    private readonly Tensor lossSum, correct;
    private int position, steps;

    public TrainingStep(nn.Module<Tensor, Tensor?, CapsNetOutput> model, MnistSet train, int batchSize, int seed, Device device,
                        double learningRate = 1e-3, int maxShift = 2)
    {
        if (batchSize > train.Count) throw new ArgumentException($"batch {batchSize} is larger than the {train.Count} images loaded");
        this.model = model;
        this.train = train;
        this.batchSize = batchSize;
        this.device = device;
        MaxShift = maxShift;
        model.train();
        optimizer = optim.Adam(model.parameters(), lr: learningRate);
        random = new Random(seed);
        order = Enumerable.Range(0, train.Count).ToArray();
        random.Shuffle(order);
        lossSum = zeros(1, dtype: float64, device: device);
        correct = zeros(1, dtype: int64, device: device);
    }

    public int MaxShift { get; }

    public void Run()
    {
        using var scope = NewDisposeScope();
        if (position + batchSize > order.Length) position = 0;
        var (images, labels) = MnistBatch.Create(train, order.AsSpan(position, batchSize), device, MaxShift, random);
        position += batchSize;
        OptimisationStep.Run(model, optimizer, loss, images, labels, lossSum, correct);
        steps++;
    }

    /// <summary>Mean training loss over the steps run so far (a sanity check that training did happen).</summary>
    public double MeanLoss => steps == 0 ? double.NaN : lossSum.item<double>() / (steps * (double)batchSize);

    public void Dispose()
    {
        optimizer.Dispose();
        lossSum.Dispose();
        correct.Dispose();
    }
}
