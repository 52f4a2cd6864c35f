using CapsNetService.Common;
using CapsNetService.Common.Rejection;
using CapsNetService.Tests;
using CapsNetService.Training.Export;
using Google.Protobuf;
using Onnx;

namespace CapsNetService.Training.Tests.Export;

/// <summary>Calibration rewrites a model's metadata and nothing else.</summary>
public class OnnxMetadataRewriterTests
{
    private static readonly string Classifier = Path.Combine(RepositoryPaths.Root, "models", ModelContract.ModelFileName);

    [Fact]
    public void New_metadata_leaves_the_graph_byte_for_byte_as_it_was()
    {
        var original = File.ReadAllBytes(Classifier);
        var metadata = OnnxMetadataRewriter.ReadMetadata(original) with { Rejection = null, ModelVersion = "rewritten" };

        var rewritten = OnnxMetadataRewriter.WithMetadata(original, metadata);

        Assert.Equal(ModelProto.Parser.ParseFrom(original).Graph.ToByteArray(), ModelProto.Parser.ParseFrom(rewritten).Graph.ToByteArray());
        Assert.Equal(metadata, OnnxMetadataRewriter.ReadMetadata(rewritten));
        Assert.DoesNotContain(ModelProto.Parser.ParseFrom(rewritten).MetadataProps, p => p.Key == ModelMetadata.KeyPrefix + "rejection");
    }
}
