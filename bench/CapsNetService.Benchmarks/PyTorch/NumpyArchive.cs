using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace CapsNetService.Benchmarks.PyTorch;

/// <summary>
/// Writes arrays as numpy's <c>.npz</c> (a zip of <c>.npy</c> files, format version 1.0), which <c>numpy.load</c>
/// reads without any other package: how the harness hands weights, images and reference results to the PyTorch
/// baseline. Little-endian, C order; float32, int64 and uint8 only (what a CapsNet's tensors and MNIST need).
/// </summary>
public sealed class NumpyArchive : IDisposable
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0];
    private readonly ZipArchive zip;

    public NumpyArchive(Stream output) => zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: false);

    public static NumpyArchive Create(string path) => new(File.Create(path));

    public void Add(string name, ReadOnlySpan<float> values, params long[] shape) => Add(name, "<f4", MemoryMarshal.AsBytes(values), values.Length, shape);

    public void Add(string name, ReadOnlySpan<long> values, params long[] shape) => Add(name, "<i8", MemoryMarshal.AsBytes(values), values.Length, shape);

    public void Add(string name, ReadOnlySpan<byte> values, params long[] shape) => Add(name, "|u1", values, values.Length, shape);

    private void Add(string name, string descriptor, ReadOnlySpan<byte> data, int count, long[] shape)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the .npy descriptors written here are little-endian");
        long expected = shape.Aggregate(1L, (product, dim) => product * dim);
        if (expected != count) throw new ArgumentException($"{name}: shape ({string.Join(", ", shape)}) holds {expected} values, not {count}", nameof(shape));
        using var entry = zip.CreateEntry(name + ".npy", CompressionLevel.NoCompression).Open();
        entry.Write(Header(descriptor, shape));
        entry.Write(data);
    }

    /// <summary>The .npy 1.0 header: magic, version, a little-endian uint16 length, then a Python dict literal padded
    /// with spaces and a newline so that the data starts at a multiple of 64 bytes.</summary>
    public static byte[] Header(string descriptor, IReadOnlyList<long> shape)
    {
        string dims = shape.Count switch
        {
            0 => "()",
            1 => $"({shape[0].ToString(CultureInfo.InvariantCulture)},)",
            _ => "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")",
        };
        var dict = $"{{'descr': '{descriptor}', 'fortran_order': False, 'shape': {dims}, }}";
        int unpadded = Magic.Length + 2 + dict.Length + 1;
        int length = (unpadded + 63) / 64 * 64 - Magic.Length - 2;
        if (length > ushort.MaxValue) throw new ArgumentException("header too long for .npy 1.0", nameof(shape));
        var header = new byte[Magic.Length + 2 + length];
        Magic.CopyTo(header, 0);
        header[Magic.Length] = (byte)(length & 0xff);
        header[Magic.Length + 1] = (byte)(length >> 8);
        var text = Encoding.ASCII.GetBytes(dict.PadRight(length - 1) + "\n");
        text.CopyTo(header, Magic.Length + 2);
        return header;
    }

    public void Dispose() => zip.Dispose();
}
