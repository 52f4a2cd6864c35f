using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace CapsNetService.Tests;

/// <summary>
/// The one image forger of the tests, the benchmarks and the hostile corpus: PNG and JPEG files built or patched chunk
/// by chunk, with correct CRCs, for what an encoder would never write: a header claiming 50,000×50,000 pixels over a
/// few bytes of data, ancillary chunks that inflate to tens of megabytes, thousands of chunks, a palette or an EXIF
/// orientation SkiaSharp cannot write. Pixel data, where there is any, comes from a real encoder.
/// </summary>
public static class PngForge
{
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>One chunk of a PNG: its four-letter type and its data (the length and CRC are written for it).</summary>
    public sealed record Chunk(string Type, byte[] Data);

    /// <summary>Splits a PNG into its chunks.</summary>
    public static List<Chunk> ReadChunks(byte[] png)
    {
        if (!png.AsSpan(0, 8).SequenceEqual(Signature)) throw new InvalidOperationException("not a PNG");
        var chunks = new List<Chunk>();
        for (int at = 8; at < png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            string type = Encoding.ASCII.GetString(png, at + 4, 4);
            chunks.Add(new Chunk(type, png.AsSpan(at + 8, length).ToArray()));
            at += 12 + length;
        }
        return chunks;
    }

    /// <summary>Joins chunks into a PNG, computing each length and CRC.</summary>
    public static byte[] WriteChunks(IEnumerable<Chunk> chunks)
    {
        using var output = new MemoryStream();
        output.Write(Signature);
        foreach (var chunk in chunks) WriteChunk(output, chunk.Type, chunk.Data);
        return output.ToArray();
    }

    /// <summary>A real PNG whose IHDR then claims <paramref name="width"/> × <paramref name="height"/> (CRC fixed, so
    /// that the header is valid and only the pixel data is short).</summary>
    public static byte[] ClaimingSize(byte[] png, int width, int height)
    {
        var chunks = ReadChunks(png);
        var ihdr = chunks.First(c => c.Type == "IHDR").Data;
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(0), width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        return WriteChunks(chunks);
    }

    /// <summary>An 8-bit grey PNG turned into a palette PNG (colour type 3) with the given 256 RGB entries: the grey
    /// levels become palette indices (the IDAT stream is valid for both: 8 bits per pixel, same filters).</summary>
    public static byte[] WithPalette(byte[] greyPng, byte[] palette)
    {
        var chunks = ReadChunks(greyPng);
        var ihdr = chunks.First(c => c.Type == "IHDR").Data;
        if (ihdr[8] != 8 || ihdr[9] != 0) throw new InvalidOperationException("expected an 8-bit grey PNG");
        ihdr[9] = 3;
        chunks.Insert(chunks.FindIndex(c => c.Type == "IDAT"), new Chunk("PLTE", palette));
        return WriteChunks(chunks);
    }

    /// <summary>A JPEG with an EXIF APP1 segment holding only the orientation tag (0x0112), inserted after the
    /// JFIF APP0 segment (SkiaSharp's JPEG encoder writes no EXIF).</summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        if (jpeg[0] != 0xFF || jpeg[1] != 0xD8) throw new InvalidOperationException("not a JPEG");
        int insertAt = 2;
        if (jpeg[2] == 0xFF && jpeg[3] == 0xE0) insertAt = 4 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(4));
        var tiff = new byte[26];
        "MM"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(4), 8);       // first IFD at offset 8
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(8), 1);       // one entry
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(10), 0x0112); // Orientation
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(12), 3);      // SHORT
        BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(14), 1);      // one value
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(18), orientation);
        // bytes 22..25: next IFD offset 0
        var segment = new List<byte> { 0xFF, 0xE1 };
        var payload = Encoding.ASCII.GetBytes("Exif\0\0").Concat(tiff).ToArray();
        segment.Add((byte)((payload.Length + 2) >> 8));
        segment.Add((byte)(payload.Length + 2));
        segment.AddRange(payload);
        return [.. jpeg.AsSpan(0, insertAt), .. segment, .. jpeg.AsSpan(insertAt)];
    }

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
