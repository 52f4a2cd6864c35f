using System.Diagnostics;
using CapsNetService.Common.MultiMnist;
using CapsNetService.Tests;
using Xunit.Abstractions;

namespace CapsNetService.Common.Tests.MultiMnist;

/// <summary>The fixed test set: 100,000 pairs of real MNIST test digits, written once as recipes.</summary>
public sealed class MultiMnistPairFileTests(ITestOutputHelper output) : IDisposable
{
    private const int TestPairs = 100_000, Seed = 2017;
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("capsnet-multimnist-tests-");

    public void Dispose() => _temp.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_temp.FullName, name);

    [Fact]
    public void AHundredThousandTestPairsRoundTripAndRenderTheSamePixels()
    {
        var split = MultiMnistSplit.Test(RealMnist.Test);
        var clock = Stopwatch.StartNew();
        var drawn = MultiMnistPairSet.Draw(split, TestPairs, Seed);
        var drawTime = clock.Elapsed;
        var path = PathOf("test.mmnp");
        MultiMnistPairFile.Write(path, drawn);
        clock.Restart();
        var read = MultiMnistPairFile.Read(path);
        var readTime = clock.Elapsed;
        output.WriteLine($"{TestPairs} pairs: drawn in {drawTime.TotalMilliseconds:F0} ms, file of {new FileInfo(path).Length:N0} bytes read in {readTime.TotalMilliseconds:F0} ms");

        Assert.Equal(60 + TestPairs * 6 + 32, new FileInfo(path).Length);
        Assert.Equal((Seed, 10_000, 0, 10_000), (read.Seed, read.SourceCount, read.SplitStart, read.SplitCount));
        Assert.Equal(drawn.SourceFingerprint, read.SourceFingerprint);
        Assert.Equal(drawn.Pairs, read.Pairs);
        read.RequireSource(RealMnist.Test);

        foreach (int i in new[] { 0, 1, 4_999, TestPairs - 1 })
        {
            var before = drawn.Render(RealMnist.Test, i);
            var after = read.Render(RealMnist.Test, i);
            Assert.Equal(before.Merged, after.Merged);
            Assert.Equal(before.First, after.First);
            Assert.Equal(before.Second, after.Second);
            Assert.Equal((before.FirstLabel, before.SecondLabel), (after.FirstLabel, after.SecondLabel));
        }
    }

    [Fact]
    public void AValidationSplitRoundTripsWithItsAbsoluteIndices()
    {
        var split = MultiMnistSplit.Validation(RealMnist.Train);
        var drawn = MultiMnistPairSet.Draw(split, 10_000, Seed);
        using var stream = new MemoryStream();
        MultiMnistPairFile.Write(stream, drawn);
        stream.Position = 0;
        var read = MultiMnistPairFile.Read(stream);

        Assert.Equal(drawn.Pairs, read.Pairs);
        Assert.Equal((55_000, 5_000), (read.SplitStart, read.SplitCount));
        Assert.All(read.Pairs, pair => Assert.True(split.Contains(pair.First.Index) && split.Contains(pair.Second.Index)));
        read.RequireSource(RealMnist.Train);
    }

    [Theory]
    [InlineData(9)]         // the header's seed
    [InlineData(60 + 10 * 6)]   // pair 10's first index
    [InlineData(60 + 4)]    // pair 0's first shift
    [InlineData(-1)]        // the checksum itself
    public void AnyChangedByteIsCaughtByTheChecksum(int position)
    {
        var bytes = Serialized(MultiMnistPairSet.Draw(MultiMnistSplit.Test(RealMnist.Test), 1_000, Seed));
        int at = position >= 0 ? position : bytes.Length + position;
        bytes[at] ^= 0x01;

        var error = Assert.Throws<InvalidDataException>(() => MultiMnistPairFile.Read(new MemoryStream(bytes)));
        Assert.Contains("checksum", error.Message);
    }

    [Fact]
    public void ATruncatedFileSaysSo()
    {
        var bytes = Serialized(MultiMnistPairSet.Draw(MultiMnistSplit.Test(RealMnist.Test), 1_000, Seed));
        var error = Assert.Throws<InvalidDataException>(() => MultiMnistPairFile.Read(new MemoryStream(bytes[..^10])));
        Assert.Contains("truncated", error.Message);
        Assert.Contains("1000 pairs", error.Message);
    }

    [Fact]
    public void AnotherFormatOrVersionIsRefusedByName()
    {
        var bytes = Serialized(MultiMnistPairSet.Draw(MultiMnistSplit.Test(RealMnist.Test), 10, Seed));
        var otherMagic = (byte[])bytes.Clone();
        otherMagic[0] = (byte)'X';
        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => MultiMnistPairFile.Read(new MemoryStream(otherMagic))).Message);
        var otherVersion = (byte[])bytes.Clone();
        otherVersion[4] = 2;
        Assert.Contains("version 2", Assert.Throws<InvalidDataException>(() => MultiMnistPairFile.Read(new MemoryStream(otherVersion))).Message);
        Assert.Throws<InvalidDataException>(() => MultiMnistPairFile.Read(new MemoryStream(bytes[..20])));
    }

    [Fact]
    public void PairsAreRefusedForAnotherMnistSet()
    {
        var drawn = MultiMnistPairSet.Draw(MultiMnistSplit.Test(RealMnist.Test), 100, Seed);
        var error = Assert.Throws<InvalidDataException>(() => drawn.RequireSource(RealMnist.Train));
        Assert.Contains("another MNIST set", error.Message);
        // The same number of digits is not enough: the fingerprint covers the pixels.
        var firstTenThousand = RealMnist.Train.Take(10_000);
        Assert.Throws<InvalidDataException>(() => drawn.RequireSource(firstTenThousand));
    }

    [Fact]
    public void ReadOrCreateWritesOnceAndNeverReplacesTheFixedSet()
    {
        var split = MultiMnistSplit.Test(RealMnist.Test);
        var path = PathOf(Path.Combine("data", "multimnist-test.mmnp"));

        var created = MultiMnistPairFile.ReadOrCreate(path, split, 5_000, Seed);
        var bytes = File.ReadAllBytes(path);
        var again = MultiMnistPairFile.ReadOrCreate(path, split, 5_000, Seed);
        Assert.Equal(created.Pairs, again.Pairs);
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));   // no temporary file left behind

        var otherSeed = Assert.Throws<InvalidDataException>(() => MultiMnistPairFile.ReadOrCreate(path, split, 5_000, Seed + 1));
        Assert.Contains("delete it", otherSeed.Message);
        Assert.Throws<InvalidDataException>(() => MultiMnistPairFile.ReadOrCreate(path, split, 6_000, Seed));
        Assert.Throws<InvalidDataException>(() => MultiMnistPairFile.ReadOrCreate(path, MultiMnistSplit.Validation(RealMnist.Train), 5_000, Seed));
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void TheWriterRefusesPairsItCouldNotReadBack()
    {
        var drawn = MultiMnistPairSet.Draw(MultiMnistSplit.Test(RealMnist.Test), 10, Seed);
        var shifted = drawn with { Pairs = [drawn.Pairs[0] with { First = drawn.Pairs[0].First with { Dx = 5 } }] };
        Assert.Throws<ArgumentException>(() => MultiMnistPairFile.Write(new MemoryStream(), shifted));
        var outside = drawn with { SplitStart = 5_000, SplitCount = 5_000 };
        Assert.Throws<ArgumentException>(() => MultiMnistPairFile.Write(new MemoryStream(), outside));
    }

    private static byte[] Serialized(MultiMnistPairSet set)
    {
        using var stream = new MemoryStream();
        MultiMnistPairFile.Write(stream, set);
        return stream.ToArray();
    }
}
