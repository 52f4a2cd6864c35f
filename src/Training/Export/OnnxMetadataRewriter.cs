using CapsNetService.Common;
using Google.Protobuf;
using Onnx;

namespace CapsNetService.Training.Export;

/// <summary>
/// Replaces the <c>capsnet.*</c> metadata_props of an ONNX file with the ONNX protobuf classes the exporter writes
/// it with; the graph (and so every weight) is carried over as it is, and checked to be byte for byte the same.
/// </summary>
public static class OnnxMetadataRewriter
{
    public static ModelMetadata ReadMetadata(byte[] onnx) =>
        ModelMetadata.FromProperties(ModelProto.Parser.ParseFrom(onnx).MetadataProps.ToDictionary(p => p.Key, p => p.Value));

    /// <exception cref="InvalidDataException">The rewritten graph differs from the original (it never should).</exception>
    public static byte[] WithMetadata(byte[] onnx, ModelMetadata metadata)
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        var graph = model.Graph.ToByteArray();
        var others = model.MetadataProps.Where(p => !p.Key.StartsWith(ModelMetadata.KeyPrefix, StringComparison.Ordinal)).ToList();
        model.MetadataProps.Clear();
        model.MetadataProps.AddRange(others);
        foreach (var (key, value) in metadata.ToProperties())
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        var rewritten = model.ToByteArray();
        if (!ModelProto.Parser.ParseFrom(rewritten).Graph.ToByteArray().AsSpan().SequenceEqual(graph))
            throw new InvalidDataException("rewriting the metadata changed the graph; nothing was written");
        return rewritten;
    }
}
