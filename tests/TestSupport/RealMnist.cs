using CapsNetService.Common.Mnist;
using CapsNetService.Common.MultiMnist;

namespace CapsNetService.Tests;

/// <summary>The real MNIST sets from <see cref="RepositoryPaths.MnistDirectory"/>, each read once per test process
/// (the training set is 47 MB of pixels; the tests only read them).</summary>
public static class RealMnist
{
    private static readonly Lazy<MnistSet> TrainSet = new(() => Read("train"));
    private static readonly Lazy<MnistSet> TestSet = new(() => Read("t10k"));

    public static MnistSet Train => TrainSet.Value;
    public static MnistSet Test => TestSet.Value;

    /// <summary>The fixed MultiMNIST test pairs (<see cref="MultiMnistSets.Test"/>), from their file beside the MNIST
    /// files, or, where that folder is read-only and holds none, from a copy written once in the temporary folder.</summary>
    public static MultiMnistPairSet MultiMnistTest => MultiMnistTestSet.Value;

    private static readonly Lazy<MultiMnistPairSet> MultiMnistTestSet = new(() =>
    {
        var directory = RepositoryPaths.MnistDirectory;
        if (!File.Exists(Path.Combine(directory, MultiMnistSets.TestFileName)) && !IsWritable(directory))
            directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "capsnet-tests-multimnist")).FullName;
        return MultiMnistSets.Test(Test, directory);
    });

    private static bool IsWritable(string directory)
    {
        try
        {
            var probe = Path.Combine(directory, $".write-probe-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static MnistSet Read(string prefix) =>
        MnistIdxReader.ReadSet(RepositoryPaths.MnistFile($"{prefix}-images-idx3-ubyte.gz"),
                               RepositoryPaths.MnistFile($"{prefix}-labels-idx1-ubyte.gz"));
}
