using System.Buffers.Binary;
using System.IO.Compression;

namespace CapsNetService.Common.Mnist;

/// <summary>
/// Reads the IDX files MNIST ships in (http://yann.lecun.com/exdb/mnist/), raw or gzip-compressed:
/// a big-endian header (magic 0x00000801 for labels, 0x00000803 for images, then the dimension sizes)
/// followed by unsigned bytes. Every malformed file fails with an <see cref="InvalidDataException"/>
/// that names the file and what is wrong with it.
/// </summary>
public static class MnistIdxReader
{
    private const int LabelMagic = 0x00000801;
    private const int ImageMagic = 0x00000803;
    private const int MaxSide = 4096;

    /// <summary>Reads a set from an image file and its label file and checks that they agree.</summary>
    public static MnistSet ReadSet(string imagesPath, string labelsPath)
    {
        var (pixels, count, rows, columns) = ReadImages(imagesPath);
        var labels = ReadLabels(labelsPath);
        if (labels.Length != count)
            throw new InvalidDataException(
                $"{Path.GetFileName(imagesPath)} holds {count} images but {Path.GetFileName(labelsPath)} holds {labels.Length} labels");
        return new MnistSet(pixels, labels, rows, columns);
    }

    public static byte[] ReadLabels(string path)
    {
        var data = ReadAllDecompressed(path);
        var name = Path.GetFileName(path);
        RequireHeader(data, 8, name);
        RequireMagic(data, LabelMagic, name, "label");
        int count = ReadCount(data, 4, name, "label count");
        RequireLength(data, 8, count, name);
        var labels = data.AsSpan(8, count).ToArray();
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] > 9)
                throw new InvalidDataException($"{name}: label {i} is {labels[i]}, not a digit 0–9");
        return labels;
    }

    public static (byte[] Pixels, int Count, int Rows, int Columns) ReadImages(string path)
    {
        var data = ReadAllDecompressed(path);
        var name = Path.GetFileName(path);
        RequireHeader(data, 16, name);
        RequireMagic(data, ImageMagic, name, "image");
        int count = ReadCount(data, 4, name, "image count");
        int rows = ReadCount(data, 8, name, "row count");
        int columns = ReadCount(data, 12, name, "column count");
        if (rows == 0 || columns == 0 || rows > MaxSide || columns > MaxSide)
            throw new InvalidDataException($"{name}: images of {rows}×{columns} pixels are not plausible");
        long size = (long)count * rows * columns;
        if (size > Array.MaxLength)
            throw new InvalidDataException($"{name}: header claims {count} images of {rows}×{columns}, too many to hold");
        RequireLength(data, 16, size, name);
        return (data.AsSpan(16, (int)size).ToArray(), count, rows, columns);
    }

    /// <summary>The file's bytes, gunzipped when it starts with the gzip magic (whatever its name).</summary>
    private static byte[] ReadAllDecompressed(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"MNIST file not found: {path}", path);
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        int read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        using var output = new MemoryStream();
        try
        {
            if (read == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            {
                using var gzip = new GZipStream(file, CompressionMode.Decompress);
                gzip.CopyTo(output);
            }
            else
            {
                file.CopyTo(output);
            }
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{Path.GetFileName(path)}: corrupt gzip data ({e.Message})", e);
        }
        return output.ToArray();
    }

    private static void RequireHeader(byte[] data, int headerSize, string name)
    {
        if (data.Length < headerSize)
            throw new InvalidDataException($"{name}: {data.Length} bytes is shorter than the {headerSize}-byte IDX header");
    }

    private static void RequireMagic(byte[] data, int expected, string name, string kind)
    {
        int magic = BinaryPrimitives.ReadInt32BigEndian(data);
        if (magic != expected)
            throw new InvalidDataException($"{name}: magic number 0x{magic:X8} is not that of an IDX {kind} file (0x{expected:X8})");
    }

    private static int ReadCount(byte[] data, int offset, string name, string what)
    {
        int value = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(offset));
        if (value < 0) throw new InvalidDataException($"{name}: negative {what} {value}");
        return value;
    }

    private static void RequireLength(byte[] data, int headerSize, long payload, string name)
    {
        if (data.Length - headerSize != payload)
            throw new InvalidDataException(
                $"{name}: header promises {payload} data bytes but the file holds {data.Length - headerSize}"
                + (data.Length - headerSize < payload ? " (truncated?)" : ""));
    }
}
