using CapsNetService.Common.Mnist;

namespace CapsNetService.Common.MultiMnist;

/// <summary>
/// The fixed pair sets every MultiMNIST model is chosen and measured on, declared once for the trainer, the exporter
/// and the tests: validation pairs from the held-out training digits (they choose the epoch) and the test pairs from
/// MNIST's test split (reported, never used to choose).
/// </summary>
public static class MultiMnistSets
{
    public const int TestPairs = 100_000;
    public const int TestSeed = 20_171_026;
    public const int ValidationPairs = 10_000;
    public const int ValidationSeed = 5_000;

    /// <summary>The test pairs' file, written once beside the MNIST files and checked on every later read.</summary>
    public const string TestFileName = "multimnist-test.pairs";

    /// <summary>The fixed test set: <see cref="TestPairs"/> pairs of MNIST test digits, read from (or first written to)
    /// <see cref="TestFileName"/> in <paramref name="dataDirectory"/>.</summary>
    public static MultiMnistPairSet Test(MnistSet test, string dataDirectory) =>
        MultiMnistPairFile.ReadOrCreate(Path.Combine(dataDirectory, TestFileName), MultiMnistSplit.Test(test), TestPairs, TestSeed);

    /// <summary>The validation pairs: drawn from the last <see cref="MultiMnistSplit.DefaultHeldOut"/> training digits,
    /// which no training pair shows.</summary>
    public static MultiMnistPairSet Validation(MnistSet train, int pairs = ValidationPairs) =>
        MultiMnistPairSet.Draw(MultiMnistSplit.Validation(train), pairs, ValidationSeed);
}
