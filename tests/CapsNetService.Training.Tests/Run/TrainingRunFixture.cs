using CapsNetService.Common.Mnist;
using CapsNetService.Tests;
using CapsNetService.Training.Model;
using CapsNetService.Training.Run;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.Run;

/// <summary>One short real training run on CPU (real MNIST, a few hundred images, two epochs),
/// shared by the tests that inspect what it produced (the trainer's and the exporter's).</summary>
public sealed class TrainingRunFixture : IDisposable
{
    public const int TrainImages = 300, TestImages = 100, Epochs = 2;

    public TrainingRunFixture()
    {
        Train = RealMnist.Train;
        Test = RealMnist.Test;
        RunDirectory = Directory.CreateTempSubdirectory("capsnet-train-").FullName;
        Options = new TrainOptions
        {
            Output = RunDirectory,
            Epochs = Epochs,
            BatchSize = 50,
            LimitTrain = TrainImages,
            LimitTest = TestImages,
            Seed = 123,
        };

        // The loss of the untrained network, same seed, to compare against.
        manual_seed(Options.Seed);
        using (var untrained = new CapsNet(Options.Architecture))
            InitialTestLoss = Evaluator.Evaluate(untrained, Test.Take(TestImages), CPU, new CapsuleLoss()).Loss;

        Result = new Trainer(Options, CPU, SilentTrainingProgress.Instance).Run(Train, Test);
    }

    public MnistSet Train { get; }
    public MnistSet Test { get; }
    public string RunDirectory { get; }
    public TrainOptions Options { get; }
    public double InitialTestLoss { get; }
    public TrainingResult Result { get; }

    public void Dispose() => Directory.Delete(RunDirectory, recursive: true);
}

[CollectionDefinition(Name)]
public sealed class TrainedModelCollection : ICollectionFixture<TrainingRunFixture>
{
    public const string Name = "trained model";
}
