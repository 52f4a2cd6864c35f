using System.Buffers.Binary;
using System.IO.Compression;
using CapsNetService.Common.Mnist;
using CapsNetService.Tests;

namespace CapsNetService.Common.Tests;

public sealed class MnistIdxReaderTests : IDisposable
{
    private const string TrainImages = "train-images-idx3-ubyte.gz", TrainLabels = "train-labels-idx1-ubyte.gz";
    private const string TestImages = "t10k-images-idx3-ubyte.gz", TestLabels = "t10k-labels-idx1-ubyte.gz";

    // The label counts in ../shared/mnist/README.md.
    private static readonly int[] TrainLabelCounts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
    private static readonly int[] TestLabelCounts = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("capsnet-idx-tests-");

    public void Dispose() => _temp.Delete(recursive: true);

    // ---- the real files ----------------------------------------------------------------------------------

    [Fact]
    public void TrainingSetHas60000DigitsOf28By28WithTheKnownLabelCounts()
    {
        var set = MnistIdxReader.ReadSet(RepositoryPaths.MnistFile(TrainImages), RepositoryPaths.MnistFile(TrainLabels));

        Assert.Equal(60_000, set.Count);
        Assert.Equal((28, 28), (set.Rows, set.Columns));
        Assert.Equal(60_000 * 784, set.Pixels.Length);
        Assert.Equal(TrainLabelCounts, set.LabelHistogram());
    }

    [Fact]
    public void TestSetHas10000DigitsOf28By28WithTheKnownLabelCounts()
    {
        var set = MnistIdxReader.ReadSet(RepositoryPaths.MnistFile(TestImages), RepositoryPaths.MnistFile(TestLabels));

        Assert.Equal(10_000, set.Count);
        Assert.Equal((28, 28), (set.Rows, set.Columns));
        Assert.Equal(TestLabelCounts, set.LabelHistogram());
        // The first test digits are, famously, 7 2 1 0 4 1 4 9 5 9.
        Assert.Equal(new byte[] { 7, 2, 1, 0, 4, 1, 4, 9, 5, 9 }, set.Labels[..10]);
        // Digits are white on black: the corners are background, and every digit has full-intensity ink.
        Assert.Equal(0, set.Image(0)[0]);
        Assert.Equal(255, set.Image(0).ToArray().Max());
    }

    [Fact]
    public void UncompressedFilesReadTheSameAsGzip()
    {
        string rawImages = Gunzip(TestImages, "t10k-images-idx3-ubyte");
        string rawLabels = Gunzip(TestLabels, "t10k-labels-idx1-ubyte");

        var fromGzip = MnistIdxReader.ReadSet(RepositoryPaths.MnistFile(TestImages), RepositoryPaths.MnistFile(TestLabels));
        var fromRaw = MnistIdxReader.ReadSet(rawImages, rawLabels);

        Assert.Equal(fromGzip.Labels, fromRaw.Labels);
        Assert.True(fromGzip.Pixels.AsSpan().SequenceEqual(fromRaw.Pixels));
        Assert.Equal((fromGzip.Rows, fromGzip.Columns), (fromRaw.Rows, fromRaw.Columns));
    }

    // ---- malformed files ---------------------------------------------------------------------------------

    [Fact]
    public void WrongMagicIsRejected()
    {
        string path = Write("labels-with-image-magic", Idx(0x803, [3], [1, 2, 3]));

        var error = Assert.Throws<InvalidDataException>(() => MnistIdxReader.ReadLabels(path));

        AssertNamesFile(error, "labels-with-image-magic");
        Assert.Contains("magic", error.Message);
    }

    [Fact]
    public void ImagesFileWithLabelMagicIsRejected()
    {
        string path = Write("images-with-label-magic", Idx(0x801, [2], [1, 2]));

        var error = Assert.Throws<InvalidDataException>(() => MnistIdxReader.ReadImages(path));

        AssertNamesFile(error, "images-with-label-magic");
        Assert.Contains("magic", error.Message);
    }

    [Fact]
    public void FileCutInsideTheHeaderIsRejected()
    {
        string path = Write("truncated-header", Idx(0x803, [10, 28, 28], [])[..10]);

        var error = Assert.Throws<InvalidDataException>(() => MnistIdxReader.ReadImages(path));

        AssertNamesFile(error, "truncated-header");
        Assert.Contains("header", error.Message);
    }

    [Fact]
    public void TruncatedGzipOfTheRealFileIsRejected()
    {
        var gz = File.ReadAllBytes(RepositoryPaths.MnistFile(TestLabels));
        string path = Write("t10k-labels-cut.gz", gz[..(gz.Length / 2)]);

        var error = Assert.Throws<InvalidDataException>(() => MnistIdxReader.ReadLabels(path));

        AssertNamesFile(error, "t10k-labels-cut.gz");
    }

    [Fact]
    public void HeaderClaimingMoreImagesThanPresentIsRejected()
    {
        // Three 2×2 images promised, two present.
        string path = Write("too-few-images", Idx(0x803, [3, 2, 2], new byte[8]));

        var error = Assert.Throws<InvalidDataException>(() => MnistIdxReader.ReadImages(path));

        AssertNamesFile(error, "too-few-images");
        Assert.Contains("12", error.Message);  // promised bytes
        Assert.Contains("8", error.Message);   // present bytes
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void HeaderClaimingMoreLabelsThanPresentIsRejected()
    {
        string path = Write("too-few-labels.gz", Gzip(Idx(0x801, [5], [1, 2, 3])));

        var error = Assert.Throws<InvalidDataException>(() => MnistIdxReader.ReadLabels(path));

        AssertNamesFile(error, "too-few-labels.gz");
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void AGzipThatExpandsFarBeyondItsHeaderIsStoppedAtThePromisedSizeAndNamed()
    {
        // 10 labels promised, 64 MiB of zeros behind them: about 64 KiB compressed (a decompression bomb in small).
        string path = Write("bomb-labels.gz", Gzip(Idx(0x801, [10], new byte[64 << 20])));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => MnistIdxReader.ReadLabels(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        AssertNamesFile(error, "bomb-labels.gz");
        Assert.Contains("holds more", error.Message);
        // Reading everything first (as the reader once did) allocates well over the 64 MiB the file expands to.
        Assert.True(allocated < 8 << 20, $"{allocated / (1 << 20)} MiB allocated to reject it");
    }

    [Fact]
    public void LabelAboveNineIsRejected()
    {
        string path = Write("label-ten", Idx(0x801, [4], [0, 9, 10, 3]));

        var error = Assert.Throws<InvalidDataException>(() => MnistIdxReader.ReadLabels(path));

        AssertNamesFile(error, "label-ten");
        Assert.Contains("label 2 is 10", error.Message);
    }

    [Fact]
    public void CorruptGzipIsRejected()
    {
        var gz = Gzip(Idx(0x801, [100], new byte[100]));
        for (int i = 10; i < gz.Length - 8; i++) gz[i] ^= 0x5A; // keep the gzip magic, ruin the deflate stream
        string path = Write("corrupt.gz", gz);

        var error = Assert.Throws<InvalidDataException>(() => MnistIdxReader.ReadLabels(path));

        AssertNamesFile(error, "corrupt.gz");
    }

    [Fact]
    public void EmptyFileIsRejected()
    {
        string path = Write("empty", []);

        var error = Assert.Throws<InvalidDataException>(() => MnistIdxReader.ReadLabels(path));

        AssertNamesFile(error, "empty");
        Assert.Contains("0 bytes", error.Message);
    }

    [Fact]
    public void ImageAndLabelCountsMustAgree()
    {
        string images = Write("three-images", Idx(0x803, [3, 2, 2], new byte[12]));
        string labels = Write("two-labels", Idx(0x801, [2], [4, 5]));

        var error = Assert.Throws<InvalidDataException>(() => MnistIdxReader.ReadSet(images, labels));

        AssertNamesFile(error, "three-images");
        AssertNamesFile(error, "two-labels");
        Assert.Contains("3 images", error.Message);
        Assert.Contains("2 labels", error.Message);
    }

    [Fact]
    public void SmallWellFormedFilesAreRead()
    {
        string images = Write("two-images.gz", Gzip(Idx(0x803, [2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])));
        string labels = Write("two-labels", Idx(0x801, [2], [4, 9]));

        var set = MnistIdxReader.ReadSet(images, labels);

        Assert.Equal((2, 2, 3), (set.Count, set.Rows, set.Columns));
        Assert.Equal(new byte[] { 6, 7, 8, 9, 10, 11 }, set.Image(1).ToArray());
        Assert.Equal(new byte[] { 4, 9 }, set.Labels);
    }

    [Fact]
    public void MissingFileIsFileNotFound()
    {
        string path = Path.Combine(_temp.FullName, "no-such-file.gz");

        var error = Assert.Throws<FileNotFoundException>(() => MnistIdxReader.ReadLabels(path));

        Assert.Equal(path, error.FileName);
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private static void AssertNamesFile(Exception error, string fileName) =>
        Assert.Contains(fileName, error.Message);

    /// <summary>An IDX file: big-endian magic, dimension sizes, then the data bytes.</summary>
    private static byte[] Idx(int magic, int[] dimensions, byte[] data)
    {
        var bytes = new byte[4 + 4 * dimensions.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int i = 0; i < dimensions.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dimensions[i]);
        data.CopyTo(bytes, 4 + 4 * dimensions.Length);
        return bytes;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(data);
        return output.ToArray();
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_temp.FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string Gunzip(string mnistFile, string rawName)
    {
        string path = Path.Combine(_temp.FullName, rawName);
        using var input = new GZipStream(File.OpenRead(RepositoryPaths.MnistFile(mnistFile)), CompressionMode.Decompress);
        using var output = File.Create(path);
        input.CopyTo(output);
        return path;
    }
}
