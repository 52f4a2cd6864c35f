using Google.Protobuf;
using Onnx;

namespace CapsNetService.Inference.Api.Tests.Support;

/// <summary>Makes variants of a real exported model with the ONNX protobuf classes (as the trainer's exporter
/// writes models), and publishes files the way the trainer does: temporary name, then rename.</summary>
public static class ModelVariants
{
    /// <summary>The same graph with one capsnet.* metadata property changed (or added).</summary>
    public static byte[] WithMetadata(byte[] onnx, string property, string value)
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        var key = ModelMetadata.KeyPrefix + property;
        var entry = model.MetadataProps.FirstOrDefault(p => p.Key == key);
        if (entry is null) model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        else entry.Value = value;
        return model.ToByteArray();
    }

    /// <summary>The same graph without one capsnet.* metadata property.</summary>
    public static byte[] WithoutProperty(byte[] onnx, string property)
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        var keep = model.MetadataProps.Where(p => p.Key != ModelMetadata.KeyPrefix + property).ToList();
        model.MetadataProps.Clear();
        model.MetadataProps.AddRange(keep);
        return model.ToByteArray();
    }

    /// <summary>The same graph without the capsnet.* metadata.</summary>
    public static byte[] WithoutMetadata(byte[] onnx)
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        var keep = model.MetadataProps.Where(p => !p.Key.StartsWith(ModelMetadata.KeyPrefix, StringComparison.Ordinal)).ToList();
        model.MetadataProps.Clear();
        model.MetadataProps.AddRange(keep);
        return model.ToByteArray();
    }

    /// <summary>The same graph with its input renamed: it no longer keeps the contract.</summary>
    public static byte[] WithRenamedInput(byte[] onnx, string from, string to)
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        foreach (var input in model.Graph.Input.Where(i => i.Name == from)) input.Name = to;
        foreach (var node in model.Graph.Node)
            for (int i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == from) node.Input[i] = to;
        return model.ToByteArray();
    }

    /// <summary>Writes <paramref name="bytes"/> to a temporary name in <paramref name="directory"/>, then renames it
    /// over <paramref name="name"/>, so a watcher never sees half a file; as the trainer does, the sidecar that records
    /// the graphs' hashes is rewritten first with this one's (<see cref="PublishedFileHashes.RecordIn"/>).</summary>
    public static void Publish(string directory, string name, byte[] bytes)
    {
        if (PublishedFileHashes.RecordIn(directory, name, bytes) is var (sidecar, json))
            Write(directory, sidecar, System.Text.Encoding.UTF8.GetBytes(json));
        Write(directory, name, bytes);
    }

    /// <summary>Writes <paramref name="bytes"/> over <paramref name="name"/> exactly as given, the sidecar untouched: a
    /// file damaged or replaced behind the publisher's back.</summary>
    public static void Write(string directory, string name, byte[] bytes)
    {
        var temporary = Path.Combine(directory, $".{name}.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, Path.Combine(directory, name), overwrite: true);
    }
}
