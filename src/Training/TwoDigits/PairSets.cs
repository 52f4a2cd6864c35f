using CapsNetService.Common.Mnist;
using CapsNetService.Common.MultiMnist;
using CapsNetService.Training.Run;

namespace CapsNetService.Training.TwoDigits;

/// <summary>What a MultiMNIST run draws on: the MNIST training set (training pairs from its first 55,000 digits, drawn
/// afresh each epoch; validation pairs from the last 5,000) and the fixed test pairs of MNIST's test set.</summary>
public sealed record PairSets(MnistSet Train, MultiMnistPair[] Validation, MnistSet TestSource, MultiMnistPair[] Test)
{
    /// <summary>The first <see cref="TrainOptions.ValidationPairs"/> validation pairs and the first
    /// <see cref="TrainOptions.TestPairs"/> of the fixed test file in <see cref="TrainOptions.DataDir"/> (written there
    /// on first use).</summary>
    public static PairSets Load(MnistSet train, MnistSet test, TrainOptions options)
    {
        var validation = MultiMnistSets.Validation(train, options.ValidationPairs).Pairs;
        var fixedTest = MultiMnistSets.Test(test, options.DataDir).Pairs;
        return new PairSets(train, validation, test, fixedTest[..Math.Min(options.TestPairs, fixedTest.Length)]);
    }
}
