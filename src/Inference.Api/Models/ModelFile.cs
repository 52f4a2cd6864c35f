using System.Security.Cryptography;

namespace CapsNetService.Inference.Api.Models;

/// <summary>One published model file, read whole: its name (never its folder), bytes and SHA-256.</summary>
public sealed class ModelFile
{
    private ModelFile(string name, byte[] bytes)
    {
        Name = name;
        Bytes = bytes;
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <summary>The exported CapsNet is about 33 MB; anything near this is not one, and must not be read into memory.</summary>
    public const long MaxBytes = 1L << 30;

    public string Name { get; }
    public byte[] Bytes { get; }
    public string Sha256 { get; }
    public long Length => Bytes.LongLength;

    /// <summary>Reads <paramref name="name"/> from <paramref name="directory"/>, sharing it with a publisher that
    /// may be renaming a new file over it.</summary>
    /// <exception cref="ModelRejectedException">The file is missing or cannot be read.</exception>
    public static ModelFile Read(string directory, string name)
    {
        var path = Path.Combine(directory, name);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length > MaxBytes)
                throw new ModelRejectedException($"{name} is {stream.Length:N0} bytes; a CapsNet model is far smaller (limit {MaxBytes:N0})");
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
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
}
