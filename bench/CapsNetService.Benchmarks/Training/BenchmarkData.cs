using CapsNetService.Common.Mnist;
using CapsNetService.Training.Data;

namespace CapsNetService.Benchmarks.Training;

/// <summary>MNIST's training set, as the trainer reads it (downloading it first when the folder lacks it).</summary>
public static class BenchmarkData
{
    public static async Task<MnistSet> LoadTrainingSetAsync(string directory, bool download, CancellationToken cancellationToken)
    {
        if (MnistFiles.Find(directory, MnistFiles.TrainImages) is { } images && MnistFiles.Find(directory, MnistFiles.TrainLabels) is { } labels)
            return MnistIdxReader.ReadSet(images, labels);   // only what the benchmark uses: the test set stays on disk
        var (train, _) = await MnistDataSource.LoadAsync(directory, download, MnistFiles.DefaultMirrors, Console.Error.WriteLine,
                                                         cancellationToken);
        return train;
    }
}
