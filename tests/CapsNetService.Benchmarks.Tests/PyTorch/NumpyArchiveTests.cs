using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using CapsNetService.Benchmarks.PyTorch;

namespace CapsNetService.Benchmarks.Tests.PyTorch;

public sealed class NumpyArchiveTests
{
    [Theory]
    [InlineData("<f4", new long[] { 2, 3 }, "(2, 3)")]
    [InlineData("<i8", new long[] { 5 }, "(5,)")]
    [InlineData("<f4", new long[0], "()")]
    [InlineData("|u1", new long[] { 10000, 28, 28 }, "(10000, 28, 28)")]
    public void Header_is_npy_1_0_with_the_data_aligned_to_64_bytes(string descriptor, long[] shape, string expectedShape)
    {
        var header = NumpyArchive.Header(descriptor, shape);

        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, header[..8]);
        Assert.Equal(0, header.Length % 64);
        int length = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(8, 2));
        Assert.Equal(header.Length - 10, length);
        var dict = Encoding.ASCII.GetString(header, 10, length);
        Assert.EndsWith("\n", dict);
        Assert.Equal($"{{'descr': '{descriptor}', 'fortran_order': False, 'shape': {expectedShape}, }}", dict.TrimEnd());
    }

    [Fact]
    public void Archive_holds_one_npy_entry_per_array_with_the_values_little_endian()
    {
        using var stream = new MemoryStream();
        using (var archive = new NumpyArchive(new NonClosingStream(stream)))
        {
            archive.Add("conv1.weight", new[] { 1.5f, -2f, 0.25f, 3f }, 2, 2);
            archive.Add("labels", new long[] { 7, -1 }, 2);
            archive.Add("images", new byte[] { 0, 255, 128 }, 1, 3);
        }

        stream.Position = 0;
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
        Assert.Equal(["conv1.weight.npy", "labels.npy", "images.npy"], zip.Entries.Select(e => e.FullName));
        var weights = Read(zip, "conv1.weight.npy");
        var data = weights.AsSpan(NumpyArchive.Header("<f4", [2, 2]).Length);
        Assert.Equal(16, data.Length);
        Assert.Equal(-2f, BinaryPrimitives.ReadSingleLittleEndian(data[4..]));
        var labels = Read(zip, "labels.npy").AsSpan(NumpyArchive.Header("<i8", [2]).Length);
        Assert.Equal(-1L, BinaryPrimitives.ReadInt64LittleEndian(labels[8..]));
        Assert.Equal(new byte[] { 0, 255, 128 }, Read(zip, "images.npy")[NumpyArchive.Header("|u1", [1, 3]).Length..]);
    }

    [Fact]
    public void A_shape_that_does_not_hold_the_values_is_refused()
    {
        using var archive = new NumpyArchive(new MemoryStream());
        Assert.Throws<ArgumentException>(() => archive.Add("w", new[] { 1f, 2f, 3f }, 2, 2));
    }

    private static byte[] Read(ZipArchive zip, string name)
    {
        using var entry = zip.GetEntry(name)!.Open();
        using var copy = new MemoryStream();
        entry.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Lets the test read the zip back after the archive has closed what it wrote to.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => inner.SetLength(value);
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        protected override void Dispose(bool disposing) => Flush();
    }
}
