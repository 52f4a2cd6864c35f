using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace CapsNetService.LoadTest.Images;

/// <summary>
/// PNG and JPEG files built or patched chunk by chunk, with correct CRCs, for what an encoder would never write: a
/// header claiming 50,000×50,000 pixels over a few bytes of data, ancillary chunks that inflate to tens of megabytes,
/// thousands of chunks. Pixel data, where there is any, comes from a real encoder.
/// </summary>
public static class PngForge
{
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A PNG whose IHDR says <paramref name="width"/>×<paramref name="height"/> (colour type, bit depth as
    /// given) followed by one tiny IDAT: a decompression bomb's header without the bomb.</summary>
    public static byte[] ClaimedSize(uint width, uint height, byte colourType = 0, byte bitDepth = 8)
    {
        using var png = new MemoryStream();
        png.Write(Signature);
        var header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, width);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), height);
        header[8] = bitDepth;
        header[9] = colourType;
        WriteChunk(png, "IHDR", header);
        if (colourType == 3) WriteChunk(png, "PLTE", [0, 0, 0, 255, 255, 255]);
        WriteChunk(png, "IDAT", Deflate(new byte[64]));
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>A baseline JPEG header (SOI, DQT, SOF0, DHT, SOS) claiming <paramref name="width"/>×<paramref name="height"/>, a few
    /// bytes of scan data, then an end.</summary>
    public static byte[] JpegClaimedSize(ushort width, ushort height)
    {
        using var jpeg = new MemoryStream();
        jpeg.Write([0xFF, 0xD8]);
        jpeg.Write([0xFF, 0xDB, 0x00, 0x43, 0x00]);
        jpeg.Write(Enumerable.Repeat((byte)1, 64).ToArray());
        jpeg.Write([0xFF, 0xC0, 0x00, 0x0B, 0x08, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 0x01, 0x01, 0x11, 0x00]);
        // A one-symbol Huffman table for DC and AC, and a scan header, so that a decoder reads the header through.
        jpeg.Write([0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01, .. new byte[15], 0x00]);
        jpeg.Write([0xFF, 0xC4, 0x00, 0x14, 0x10, 0x01, .. new byte[15], 0x00]);
        jpeg.Write([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
        jpeg.Write([0x00, 0x00, 0x00, 0x00]);
        jpeg.Write([0xFF, 0xD9]);
        return jpeg.ToArray();
    }

    /// <summary><paramref name="png"/> with <paramref name="chunks"/> inserted right after IHDR.</summary>
    public static byte[] InsertAfterHeader(byte[] png, IEnumerable<(string Type, byte[] Data)> chunks)
    {
        // Signature (8) + IHDR (4 length + 4 type + 13 data + 4 CRC).
        const int afterHeader = 8 + 25;
        using var result = new MemoryStream();
        result.Write(png, 0, afterHeader);
        foreach (var (type, data) in chunks) WriteChunk(result, type, data);
        result.Write(png, afterHeader, png.Length - afterHeader);
        return result.ToArray();
    }

    /// <summary>A zTXt chunk whose text inflates to <paramref name="inflatedBytes"/> bytes.</summary>
    public static (string, byte[]) CompressedText(long inflatedBytes) =>
        ("zTXt", [.. Encoding.Latin1.GetBytes("Comment"), 0, 0, .. ZerosDeflated(inflatedBytes)]);

    /// <summary>An iCCP chunk whose colour profile inflates to <paramref name="inflatedBytes"/> bytes of zeros.</summary>
    public static (string, byte[]) CompressedProfile(long inflatedBytes) =>
        ("iCCP", [.. Encoding.Latin1.GetBytes("bomb"), 0, 0, .. ZerosDeflated(inflatedBytes)]);

    /// <summary>A compressed iTXt chunk inflating to <paramref name="inflatedBytes"/> bytes.</summary>
    public static (string, byte[]) CompressedInternationalText(long inflatedBytes) =>
        ("iTXt", [.. Encoding.Latin1.GetBytes("Description"), 0, 1, 0, 0, 0, .. ZerosDeflated(inflatedBytes)]);

    private static readonly Dictionary<long, byte[]> DeflatedZeros = [];

    /// <summary>zlib data that inflates to <paramref name="count"/> zero bytes (cached: the corpus reuses a few sizes).</summary>
    public static byte[] ZerosDeflated(long count)
    {
        lock (DeflatedZeros)
        {
            if (DeflatedZeros.TryGetValue(count, out var cached)) return cached;
            using var output = new MemoryStream();
            using (var zlib = new ZLibStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                var block = new byte[1 << 20];
                for (long left = count; left > 0; left -= block.Length) zlib.Write(block, 0, (int)Math.Min(block.Length, left));
            }
            return DeflatedZeros[count] = output.ToArray();
        }
    }

    public static byte[] Deflate(byte[] data)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(data);
        return output.ToArray();
    }

    public static void WriteChunk(Stream stream, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        stream.Write(word);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        stream.Write(typeBytes);
        stream.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typeBytes, data));
        stream.Write(word);
    }

    private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    /// <summary>The CRC-32 of PNG chunks (ISO-HDLC) over the type and the data.</summary>
    public static uint Crc32(ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in type) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        foreach (var b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }
}
