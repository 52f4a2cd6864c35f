using CapsNetService.Common.Mnist;
using CapsNetService.Tests;
using CapsNetService.Training.Run;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.Run;

/// <summary>
/// Runs alone: the trainer seeds libtorch's process-wide generator, so another test drawing random weights in
/// parallel between the seed and the model's initialisation changes the run (seen once under a full-solution test).
/// </summary>
[Collection(Name)]
public class DeterminismTests
{
    public const string Name = "Alone: libtorch's global random generator";

    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class AloneCollection;

    [Fact]
    public void Same_seed_gives_the_same_run_on_cpu()
    {
        var (train, test) = (RealMnist.Train, RealMnist.Test);
        var results = new List<EpochMetrics>();
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var folder = Directory.CreateTempSubdirectory("capsnet-determinism-").FullName;
            try
            {
                var options = new TrainOptions
                {
                    Output = folder, Epochs = 1, BatchSize = 40, LimitTrain = 80, LimitTest = 40, Seed = 9,
                };
                results.Add(new Trainer(options, CPU, SilentTrainingProgress.Instance).Run(train, test).History[0]);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        Assert.Equal(results[0].TrainLoss, results[1].TrainLoss);
        Assert.Equal(results[0].TestLoss, results[1].TestLoss);
        Assert.Equal(results[0].TestAccuracy, results[1].TestAccuracy);
    }
}
