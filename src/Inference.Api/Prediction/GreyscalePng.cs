using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace CapsNetService.Inference.Api.Prediction;

/// <summary>
/// Encodes an image of values in [0, 1] (0 = black; 28×28 unless a side is given) as an 8-bit greyscale PNG. Written here rather than through
/// SkiaSharp because every JSON answer of POST /predict carries two of these: a PNG of this kind is three chunks
/// (IHDR, one IDAT, IEND), and .NET's zlib at its fastest level both deflates the tiny image several times faster
/// than SkiaSharp's encoder (which sets up a codec per image) and smaller.
/// </summary>
public static class GreyscalePng
{
    private const int Side = ModelContract.ImageSide;
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static byte[] Encode(ReadOnlySpan<float> pixels)
    {
        if (pixels.Length != ModelContract.ImagePixels)
            throw new ArgumentException($"{pixels.Length} values are not a {Side}×{Side} image", nameof(pixels));
        var grey = new byte[ModelContract.ImagePixels];
        for (int i = 0; i < grey.Length; i++)
            grey[i] = ToGrey(pixels[i]);
        return Encode(grey, Side, Side);
    }

    /// <summary>A model pixel value in [0, 1] as an 8-bit grey level (clamped, rounded to nearest).</summary>
    public static byte ToGrey(float value) => (byte)MathF.Round(Math.Clamp(value, 0f, 1f) * 255f);

    /// <summary>Encodes <paramref name="width"/> × <paramref name="height"/> grey levels, row-major, as an 8-bit greyscale PNG.</summary>
    public static byte[] Encode(byte[] grey, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(grey);
        if (width < 1 || height < 1 || grey.Length != (long)width * height)
            throw new ArgumentException($"{grey.Length} grey levels are not a {width}×{height} image", nameof(grey));

        var png = new MemoryStream(64 + grey.Length / 2);
        png.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;    // bits per sample
        header[9] = 0;    // greyscale
        header[10] = 0;   // deflate
        header[11] = 0;   // adaptive filtering (every row: filter type 0, none)
        header[12] = 0;   // not interlaced
        WriteChunk(png, "IHDR"u8, header);

        // Each row is preceded by its filter type, 0 (none); deflated in one write, which zlib compresses best.
        var rows = new byte[(width + 1) * height];
        for (int row = 0; row < height; row++)
            Buffer.BlockCopy(grey, row * width, rows, row * (width + 1) + 1, width);
        var deflated = new MemoryStream(64 + grey.Length / 2);
        using (var zlib = new ZLibStream(deflated, CompressionLevel.Fastest, leaveOpen: true))
            zlib.Write(rows);
        WriteChunk(png, "IDAT"u8, deflated.GetBuffer().AsSpan(0, (int)deflated.Length));
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    public static string EncodeBase64(ReadOnlySpan<float> pixels) => Convert.ToBase64String(Encode(pixels));

    /// <summary>A square image of any side (36×36 for the overlapping-digits model) as a base64 greyscale PNG.</summary>
    public static string EncodeBase64(ReadOnlySpan<float> pixels, int side)
    {
        if (pixels.Length != side * side)
            throw new ArgumentException($"{pixels.Length} values are not a {side}×{side} image", nameof(pixels));
        var grey = new byte[pixels.Length];
        for (int i = 0; i < grey.Length; i++) grey[i] = ToGrey(pixels[i]);
        return Convert.ToBase64String(Encode(grey, side, side));
    }

    /// <summary>Length, type, data, and the CRC-32 of type and data (PNG specification, section 5.3).</summary>
    private static void WriteChunk(MemoryStream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        png.Write(type);
        png.Write(data);
        var crc = new Crc32();
        crc.Append(type);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(number, crc.GetCurrentHashAsUInt32());
        png.Write(number);
    }
}
