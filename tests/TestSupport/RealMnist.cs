using CapsNetService.Common.Mnist;

namespace CapsNetService.Tests;

/// <summary>The real MNIST sets from <see cref="RepositoryPaths.MnistDirectory"/>, each read once per test process
/// (the training set is 47 MB of pixels; the tests only read them).</summary>
public static class RealMnist
{
    private static readonly Lazy<MnistSet> TrainSet = new(() => Read("train"));
    private static readonly Lazy<MnistSet> TestSet = new(() => Read("t10k"));

    public static MnistSet Train => TrainSet.Value;
    public static MnistSet Test => TestSet.Value;

    private static MnistSet Read(string prefix) =>
        MnistIdxReader.ReadSet(RepositoryPaths.MnistFile($"{prefix}-images-idx3-ubyte.gz"),
                               RepositoryPaths.MnistFile($"{prefix}-labels-idx1-ubyte.gz"));
}
