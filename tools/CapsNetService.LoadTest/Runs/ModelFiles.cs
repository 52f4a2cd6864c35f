using CapsNetService.Common;
using Google.Protobuf;
using Onnx;

namespace CapsNetService.LoadTest.Runs;

/// <summary>
/// The model files of the drill, made from the real published model, and published the way the trainer publishes
/// (<c>ModelPublisher</c>): written to a temporary name in the models folder, flushed, renamed over the target.
/// </summary>
public static class ModelFiles
{
    /// <summary>The real model with its first 4 KiB overwritten by random bytes: no longer a readable protobuf.</summary>
    public static byte[] Corrupt(byte[] onnx, int seed)
    {
        var corrupt = (byte[])onnx.Clone();
        new Random(seed).NextBytes(corrupt.AsSpan(0, Math.Min(4096, corrupt.Length)));
        return corrupt;
    }

    /// <summary>The first half of the real model, as a copy interrupted by a full disk would leave it.</summary>
    public static byte[] Truncated(byte[] onnx) => onnx[..(onnx.Length / 2)];

    /// <summary>The real model with its graph input renamed: it loads, but breaks the service's contract.</summary>
    public static byte[] WrongContract(byte[] onnx, string newInputName = "pixels")
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        foreach (var input in model.Graph.Input.Where(i => i.Name == ModelContract.ImageInput)) input.Name = newInputName;
        foreach (var node in model.Graph.Node)
            for (int i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == ModelContract.ImageInput) node.Input[i] = newInputName;
        return model.ToByteArray();
    }

    /// <summary>The real model with another <c>capsnet.modelVersion</c>: the same weights, a new version to serve.</summary>
    public static byte[] WithVersion(byte[] onnx, string version)
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        var key = ModelMetadata.KeyPrefix + "modelVersion";
        var entry = model.MetadataProps.FirstOrDefault(p => p.Key == key)
                    ?? throw new InvalidDataException($"the model has no {key} metadata");
        entry.Value = version;
        return model.ToByteArray();
    }

    /// <summary>The real model with a few of its weights changed (13 float32 values of the largest initializer times
    /// −8): still a valid graph that loads, runs and answers, but not the file that was published.</summary>
    public static byte[] DamagedWeights(byte[] onnx)
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        var weights = model.Graph.Initializer.MaxBy(t => t.RawData.Length)
                      ?? throw new InvalidDataException("the model has no initializers");
        var raw = weights.RawData.ToByteArray();
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw.AsSpan());
        for (int i = 0; i < 13; i++) values[values.Length / 2 + i * 997 % (values.Length / 2)] *= -8;
        weights.RawData = ByteString.CopyFrom(raw);
        return model.ToByteArray();
    }

    /// <summary>Temporary file in the same folder, flushed to disk, renamed over <paramref name="name"/>; as the trainer
    /// does, the sidecar that records the graphs' hashes goes first, rewritten with this one's.</summary>
    public static void Publish(string directory, string name, byte[] bytes)
    {
        if (PublishedFileHashes.RecordIn(directory, name, bytes) is var (sidecar, json))
            Write(directory, sidecar, System.Text.Encoding.UTF8.GetBytes(json));
        Write(directory, name, bytes);
    }

    /// <summary>As <see cref="Publish"/>, the sidecar untouched: a file changed behind the publisher's back.</summary>
    public static void Write(string directory, string name, byte[] bytes)
    {
        var temporary = Path.Combine(directory, $".{name}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, Path.Combine(directory, name), overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
