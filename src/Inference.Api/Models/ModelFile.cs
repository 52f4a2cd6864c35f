namespace CapsNetService.Inference.Api.Models;

/// <summary>One published model file, read whole: its name (never its folder), bytes and SHA-256.</summary>
public sealed class ModelFile
{
    private ModelFile(string name, byte[] bytes)
    {
        Name = name;
        Bytes = bytes;
        Sha256 = PublishedFileHashes.Of(bytes);
    }

    /// <summary>The exported CapsNet is about 33 MB; anything near this is not one, and must not be read into memory.</summary>
    public const long MaxBytes = 1L << 30;

    public string Name { get; }
    public byte[] Bytes { get; }
    public string Sha256 { get; }
    public long Length => Bytes.LongLength;

    /// <summary>Reads <paramref name="name"/> from <paramref name="directory"/>, sharing it with a publisher that
    /// may be renaming a new file over it. A file that does not start as an ONNX model (a link to some other file of
    /// the machine, say) is refused from its first bytes, neither read whole nor hashed: its hash is nobody's business.</summary>
    /// <exception cref="ModelRejectedException">The file is missing, cannot be read, or is not a model.</exception>
    public static ModelFile Read(string directory, string name)
    {
        var path = Path.Combine(directory, name);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length > MaxBytes)
                throw new ModelRejectedException($"{name} is {stream.Length:N0} bytes; a CapsNet model is far smaller (limit {MaxBytes:N0})");
            var bytes = new byte[stream.Length];
            int head = stream.ReadAtLeast(bytes.AsSpan(0, Math.Min(bytes.Length, 2)), Math.Min(bytes.Length, 2), throwOnEndOfStream: false);
            if (!StartsAsOnnx(bytes.AsSpan(0, head)))
                throw new ModelRejectedException($"{name} is not a model: its first bytes are not those of an ONNX file, so it was not read further");
            stream.ReadExactly(bytes.AsSpan(head));
            return new ModelFile(name, bytes);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ModelRejectedException($"{name} is missing from the models folder", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelRejectedException($"{name} cannot be read: {e.GetType().Name}", e);
        }
    }

    /// <summary>An ONNX file is a protobuf ModelProto, and its writers (the onnx package, PyTorch, ONNX Runtime, this
    /// repository's exporter) write the fields in number order: it starts with ir_version, key 0x08 and a one-byte
    /// varint (IR versions are 1 to 11 today). A damaged model that keeps its first bytes is left to ONNX Runtime.</summary>
    private static bool StartsAsOnnx(ReadOnlySpan<byte> head) => head.Length == 2 && head[0] == 0x08 && head[1] is >= 1 and <= 0x7F;
}
