using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CapsNetService.Common.Mnist;

namespace CapsNetService.Common.MultiMnist;

/// <summary>
/// The file a fixed set of pairs is written to once: recipes, not pixels (6 bytes a pair instead of 3 images of
/// 1,296), rendered again from the MNIST file they name by fingerprint. Little-endian:
/// <code>
///  0  "MMNP"          magic
///  4  u16 version     1
///  6  u8  digit side  28          7  u8 max shift  4
///  8  i32 seed       12  i32 source count   16  i32 split start   20  i32 split count   24  i32 pair count
/// 28  32 bytes       SHA-256 fingerprint of the source set (labels, then pixels)
/// 60  per pair       u16 first index, u16 second index, u8 first shift, u8 second shift
///                    (a shift byte is (dx + 4) | (dy + 4) &lt;&lt; 4)
/// end 32 bytes       SHA-256 of everything before it
/// </code>
/// Every malformed or corrupted file fails with an <see cref="InvalidDataException"/> that says what is wrong.
/// </summary>
public static class MultiMnistPairFile
{
    public const ushort Version = 1;
    private static ReadOnlySpan<byte> Magic => "MMNP"u8;
    private const int HeaderSize = 60;
    private const int PairSize = 6;
    private const int ChecksumSize = SHA256.HashSizeInBytes;

    public static void Write(Stream stream, MultiMnistPairSet set)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(Serialize(set));
    }

    /// <summary>Writes the file whole or not at all: to a temporary file beside it, then renamed.</summary>
    public static void Write(string path, MultiMnistPairSet set)
    {
        var bytes = Serialize(set);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public static MultiMnistPairSet Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"MultiMNIST pair file not found: {path}", path);
        return Parse(File.ReadAllBytes(path), Path.GetFileName(path));
    }

    public static MultiMnistPairSet Read(Stream stream, string name = "pair file")
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Parse(buffer.ToArray(), name);
    }

    /// <summary>
    /// The pairs in <paramref name="path"/> when it exists, else <paramref name="count"/> pairs drawn from
    /// <paramref name="split"/> with <paramref name="seed"/>, written there first. An existing file must hold exactly
    /// what was asked for (same source set, split, seed and count): a fixed set is never silently replaced.
    /// </summary>
    public static MultiMnistPairSet ReadOrCreate(string path, MultiMnistSplit split, int count, int seed)
    {
        ArgumentNullException.ThrowIfNull(split);
        if (!File.Exists(path))
        {
            var drawn = MultiMnistPairSet.Draw(split, count, seed);
            Write(path, drawn);
            return drawn;
        }
        var set = Read(path);
        set.RequireSource(split.Source);
        if (set.Seed != seed || set.Pairs.Length != count || set.SplitStart != split.Start || set.SplitCount != split.Count)
            throw new InvalidDataException(
                $"{Path.GetFileName(path)} holds {set.Pairs.Length} pairs of digits {set.SplitStart}..{set.SplitStart + set.SplitCount} drawn with seed {set.Seed}, " +
                $"not the {count} pairs of digits {split.Start}..{split.Start + split.Count} with seed {seed} asked for; delete it to draw a new set");
        return set;
    }

    private static byte[] Serialize(MultiMnistPairSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (set.SplitCount > ushort.MaxValue + 1)
            throw new ArgumentException($"indices are stored in 16 bits: a split of {set.SplitCount} digits is too large", nameof(set));
        if (set.SourceFingerprint.Length != MultiMnistPairSet.FingerprintLength)
            throw new ArgumentException($"the fingerprint has {MultiMnistPairSet.FingerprintLength} bytes, not {set.SourceFingerprint.Length}", nameof(set));
        CheckSplit(set.SourceCount, set.SplitStart, set.SplitCount, "set");

        var bytes = new byte[HeaderSize + set.Pairs.Length * PairSize + ChecksumSize];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], Version);
        span[6] = MultiMnistCanvas.DigitSide;
        span[7] = MultiMnistCanvas.MaxShift;
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], set.Seed);
        BinaryPrimitives.WriteInt32LittleEndian(span[12..], set.SourceCount);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], set.SplitStart);
        BinaryPrimitives.WriteInt32LittleEndian(span[20..], set.SplitCount);
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], set.Pairs.Length);
        set.SourceFingerprint.CopyTo(span[28..]);
        var payload = span[HeaderSize..^ChecksumSize];
        for (int i = 0; i < set.Pairs.Length; i++)
        {
            var pair = set.Pairs[i];
            var record = payload.Slice(i * PairSize, PairSize);
            BinaryPrimitives.WriteUInt16LittleEndian(record, IndexInSplit(pair.First, set, i));
            BinaryPrimitives.WriteUInt16LittleEndian(record[2..], IndexInSplit(pair.Second, set, i));
            record[4] = PackShift(pair.First, i);
            record[5] = PackShift(pair.Second, i);
        }
        SHA256.HashData(span[..^ChecksumSize], span[^ChecksumSize..]);
        return bytes;
    }

    private static MultiMnistPairSet Parse(byte[] bytes, string name)
    {
        var span = bytes.AsSpan();
        if (span.Length < HeaderSize + ChecksumSize)
            throw new InvalidDataException($"{name}: {span.Length} bytes is shorter than a MultiMNIST pair file's header and checksum");
        if (!span[..4].SequenceEqual(Magic))
            throw new InvalidDataException($"{name}: magic \"{Encoding.ASCII.GetString(span[..4])}\" is not that of a MultiMNIST pair file (\"MMNP\")");
        int version = BinaryPrimitives.ReadUInt16LittleEndian(span[4..]);
        if (version != Version)
            throw new InvalidDataException($"{name}: format version {version}; this build reads version {Version}");
        int pairCount = BinaryPrimitives.ReadInt32LittleEndian(span[24..]);
        if (pairCount < 0 || (long)HeaderSize + (long)pairCount * PairSize + ChecksumSize != span.Length)
            throw new InvalidDataException($"{name}: header promises {pairCount} pairs but the file holds {span.Length} bytes" +
                                           (pairCount >= 0 && span.Length < HeaderSize + (long)pairCount * PairSize + ChecksumSize ? " (truncated?)" : ""));
        Span<byte> checksum = stackalloc byte[ChecksumSize];
        SHA256.HashData(span[..^ChecksumSize], checksum);
        if (!checksum.SequenceEqual(span[^ChecksumSize..]))
            throw new InvalidDataException($"{name}: checksum mismatch, the file is corrupt");
        if (span[6] != MultiMnistCanvas.DigitSide || span[7] != MultiMnistCanvas.MaxShift)
            throw new InvalidDataException($"{name}: pairs of {span[6]}-pixel digits shifted by up to {span[7]}; this build makes {MultiMnistCanvas.DigitSide} and {MultiMnistCanvas.MaxShift}");

        int seed = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        int sourceCount = BinaryPrimitives.ReadInt32LittleEndian(span[12..]);
        int splitStart = BinaryPrimitives.ReadInt32LittleEndian(span[16..]);
        int splitCount = BinaryPrimitives.ReadInt32LittleEndian(span[20..]);
        try
        {
            CheckSplit(sourceCount, splitStart, splitCount, name);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{name}: {e.Message}", e);
        }
        var fingerprint = span.Slice(28, MultiMnistPairSet.FingerprintLength).ToArray();
        var payload = span[HeaderSize..^ChecksumSize];
        var pairs = new MultiMnistPair[pairCount];
        for (int i = 0; i < pairs.Length; i++)
        {
            var record = payload.Slice(i * PairSize, PairSize);
            pairs[i] = new MultiMnistPair(
                Unpack(BinaryPrimitives.ReadUInt16LittleEndian(record), record[4], splitStart, splitCount, name, i),
                Unpack(BinaryPrimitives.ReadUInt16LittleEndian(record[2..]), record[5], splitStart, splitCount, name, i));
        }
        return new MultiMnistPairSet(seed, sourceCount, splitStart, splitCount, fingerprint, pairs);
    }

    private static void CheckSplit(int sourceCount, int start, int count, string name)
    {
        if (sourceCount < 1 || start < 0 || count < 1 || (long)start + count > sourceCount)
            throw new ArgumentException($"digits {start}..{(long)start + count} are not a range of a set of {sourceCount}", name);
    }

    /// <summary>Indices are stored relative to the split, which also proves on reading that each lies inside it.</summary>
    private static ushort IndexInSplit(DigitPlacement digit, MultiMnistPairSet set, int pair)
    {
        int relative = digit.Index - set.SplitStart;
        if (relative < 0 || relative >= set.SplitCount)
            throw new ArgumentException($"pair {pair}: digit {digit.Index} is outside the split {set.SplitStart}..{set.SplitStart + set.SplitCount}", nameof(set));
        return (ushort)relative;
    }

    private static byte PackShift(DigitPlacement digit, int pair)
    {
        if (!MultiMnistCanvas.IsShift(digit.Dx) || !MultiMnistCanvas.IsShift(digit.Dy))
            throw new ArgumentException($"pair {pair}: shift ({digit.Dx}, {digit.Dy}) exceeds ±{MultiMnistCanvas.MaxShift}");
        return (byte)((digit.Dx + MultiMnistCanvas.MaxShift) | (digit.Dy + MultiMnistCanvas.MaxShift) << 4);
    }

    private static DigitPlacement Unpack(ushort relative, byte shift, int splitStart, int splitCount, string name, int pair)
    {
        if (relative >= splitCount)
            throw new InvalidDataException($"{name}: pair {pair} names digit {relative} of a split of {splitCount}");
        int dx = (shift & 0xF) - MultiMnistCanvas.MaxShift, dy = (shift >> 4) - MultiMnistCanvas.MaxShift;
        if (!MultiMnistCanvas.IsShift(dx) || !MultiMnistCanvas.IsShift(dy))
            throw new InvalidDataException($"{name}: pair {pair} has shift ({dx}, {dy}), beyond ±{MultiMnistCanvas.MaxShift}");
        return new DigitPlacement(splitStart + relative, dx, dy);
    }
}
