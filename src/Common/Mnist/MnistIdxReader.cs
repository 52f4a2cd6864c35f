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
        var name = Path.GetFileName(path);
        int count = 0;
        var data = ReadBounded(path, 8, header =>
        {
            RequireMagic(header, LabelMagic, name, "label");
            count = ReadCount(header, 4, name, "label count");
            return count;
        });
        var labels = data.AsSpan(8, count).ToArray();
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] > 9)
                throw new InvalidDataException($"{name}: label {i} is {labels[i]}, not a digit 0–9");
        return labels;
    }

    public static (byte[] Pixels, int Count, int Rows, int Columns) ReadImages(string path)
    {
        var name = Path.GetFileName(path);
        int count = 0, rows = 0, columns = 0;
        var data = ReadBounded(path, 16, header =>
        {
            RequireMagic(header, ImageMagic, name, "image");
            count = ReadCount(header, 4, name, "image count");
            rows = ReadCount(header, 8, name, "row count");
            columns = ReadCount(header, 12, name, "column count");
            if (rows == 0 || columns == 0 || rows > MaxSide || columns > MaxSide)
                throw new InvalidDataException($"{name}: images of {rows}×{columns} pixels are not plausible");
            long size = (long)count * rows * columns;
            if (size > Array.MaxLength - 16)
                throw new InvalidDataException($"{name}: header claims {count} images of {rows}×{columns}, too many to hold");
            return size;
        });
        return (data.AsSpan(16, (int)((long)count * rows * columns)).ToArray(), count, rows, columns);
    }

    /// <summary>
    /// The file's bytes (gunzipped when it starts with the gzip magic, whatever its name): the header, then exactly the
    /// payload the header promises (<paramref name="payloadOf"/> checks the header and says how many bytes). Reading
    /// stops there, so a small .gz that expands to gigabytes costs no more memory than the header allows; a file that
    /// holds more, or less, fails naming the file.
    /// </summary>
    private static byte[] ReadBounded(string path, int headerSize, Func<byte[], long> payloadOf)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"MNIST file not found: {path}", path);
        var name = Path.GetFileName(path);
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        int read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        using Stream input = read == 2 && magic[0] == 0x1f && magic[1] == 0x8b
            ? new GZipStream(file, CompressionMode.Decompress)
            : file;
        try
        {
            var header = new byte[headerSize];
            int headerRead = input.ReadAtLeast(header, headerSize, throwOnEndOfStream: false);
            if (headerRead < headerSize)
                throw new InvalidDataException($"{name}: {headerRead} bytes is shorter than the {headerSize}-byte IDX header");
            long payload = payloadOf(header);

            // Grows with the bytes that really arrive, never past the promised size.
            using var data = new MemoryStream((int)Math.Min(headerSize + payload, 1 << 20));
            data.Write(header);
            var buffer = new byte[81920];
            long remaining = payload;
            while (remaining > 0)
            {
                int got = input.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
                if (got == 0) break;
                data.Write(buffer, 0, got);
                remaining -= got;
            }
            if (remaining > 0)
                throw new InvalidDataException($"{name}: header promises {payload} data bytes but the file holds {payload - remaining} (truncated?)");
            if (input.ReadByte() != -1)
                throw new InvalidDataException($"{name}: header promises {payload} data bytes but the file holds more; not read further");
            return data.ToArray();
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(name + ":", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{name}: corrupt gzip data ({e.Message})", e);
        }
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
}
