using System.Security.Cryptography;
using CapsNetService.Common.Mnist;

namespace CapsNetService.Common.MultiMnist;

/// <summary>
/// A fixed set of pairs (the test set, written once), with what is needed to render it again and to know that the
/// pixels are the same: the seed it was drawn from, the split of the source set it was drawn from, and a fingerprint
/// of that source set. <see cref="MultiMnistPairFile"/> stores it.
/// </summary>
public sealed record MultiMnistPairSet(int Seed, int SourceCount, int SplitStart, int SplitCount,
                                       byte[] SourceFingerprint, MultiMnistPair[] Pairs)
{
    public const int FingerprintLength = SHA256.HashSizeInBytes;

    /// <summary>Draws <paramref name="count"/> pairs from <paramref name="split"/> with <paramref name="seed"/>.</summary>
    public static MultiMnistPairSet Draw(MultiMnistSplit split, int count, int seed)
    {
        ArgumentNullException.ThrowIfNull(split);
        return new MultiMnistPairSet(seed, split.Source.Count, split.Start, split.Count, Fingerprint(split.Source),
                                     split.Pairs(count, seed));
    }

    /// <summary>SHA-256 of the set's labels then pixels: two sets with the same fingerprint render the same pairs.</summary>
    public static byte[] Fingerprint(MnistSet source)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(source.Labels);
        hash.AppendData(source.Pixels);
        return hash.GetHashAndReset();
    }

    /// <summary>Checks that <paramref name="source"/> is the set these pairs were drawn from and that every pair is
    /// two digits of different classes from the split; throws <see cref="InvalidDataException"/> otherwise.</summary>
    public void RequireSource(MnistSet source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Count != SourceCount || !Fingerprint(source).AsSpan().SequenceEqual(SourceFingerprint))
            throw new InvalidDataException(
                $"these pairs were drawn from another MNIST set (of {SourceCount} digits, fingerprint {Convert.ToHexString(SourceFingerprint)[..16]}…) than the one given ({source.Count} digits)");
        var labels = source.Labels;
        for (int i = 0; i < Pairs.Length; i++)
            if (labels[Pairs[i].First.Index] == labels[Pairs[i].Second.Index])
                throw new InvalidDataException($"pair {i} shows two digits of class {labels[Pairs[i].First.Index]}");
    }

    public MultiMnistSample Render(MnistSet source, int pair) => MultiMnistRenderer.Render(source, Pairs[pair]);
}
