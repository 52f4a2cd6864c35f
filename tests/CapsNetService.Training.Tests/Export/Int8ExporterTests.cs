using CapsNetService.Common;
using CapsNetService.Tests;
using CapsNetService.Training.Export;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace CapsNetService.Training.Tests.Export;

/// <summary>The int8 graph made from the shipped model: its convolutions quantized and fused by ONNX Runtime into integer
/// kernels, everything else float, and published only when it keeps the float32 graph's accuracy.</summary>
public sealed class Int8ExporterTests : IDisposable
{
    private static readonly string Shipped = Path.Combine(RepositoryPaths.Root, "models");
    private readonly string models = Directory.CreateTempSubdirectory("capsnet-int8-").FullName;

    public void Dispose() => Directory.Delete(models, recursive: true);

    private static readonly Lazy<(ModelProto Fp32, Int8Exporter.Result Result)> Quantized = new(() =>
    {
        var fp32 = File.ReadAllBytes(Path.Combine(Shipped, ModelContract.ModelFileName));
        return (ModelProto.Parser.ParseFrom(fp32), Int8Exporter.Quantize(fp32, RealMnist.Train.Take(200), RealMnist.Test.Take(500), calibrationImages: 200));
    });

    [Fact]
    public void Only_the_two_convolutions_are_quantized_and_every_other_node_stays_float()
    {
        var (fp32, result) = Quantized.Value;
        var int8 = ModelProto.Parser.ParseFrom(result.Model);
        var graph = int8.Graph;
        var producers = graph.Node.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);

        // Every input of both convolutions comes through DequantizeLinear, and their outputs (after Conv1's ReLU) go into QuantizeLinear.
        var convs = graph.Node.Where(n => n.OpType == "Conv").ToList();
        Assert.Equal(2, convs.Count);
        Assert.All(convs, conv => Assert.All(conv.Input, input => Assert.Equal("DequantizeLinear", producers[input].OpType)));
        var quantized = graph.Node.Where(n => n.OpType == "QuantizeLinear").Select(n => producers.GetValueOrDefault(n.Input[0])?.OpType ?? "input").Order(StringComparer.Ordinal);
        Assert.Equal(new[] { "Conv", "Relu", "input" }, quantized.ToArray());

        // Weights int8 per output channel, biases int32; no float copy of them is left.
        foreach (var layer in Int8QdqGraph.QuantizedLayers)
        {
            var weight = graph.Initializer.Single(t => t.Name == CapsNetOnnxGraph.WeightOf(layer) + "_int8");
            Assert.Equal((int)DataType.Int8, weight.DataType);
            Assert.Equal(weight.Dims[0], graph.Initializer.Single(t => t.Name == CapsNetOnnxGraph.WeightOf(layer) + "_scale").Dims.Single());
            Assert.Equal((int)DataType.Int32, graph.Initializer.Single(t => t.Name == CapsNetOnnxGraph.BiasOf(layer) + "_int32").DataType);
            Assert.DoesNotContain(graph.Initializer, t => t.Name == CapsNetOnnxGraph.WeightOf(layer) || t.Name == CapsNetOnnxGraph.BiasOf(layer));
        }

        // Routing, squash and the decoder: the float32 graph's nodes, unchanged, on float32 weights.
        static string[] Others(GraphProto g) => g.Node.Where(n => n.OpType is not ("QuantizeLinear" or "DequantizeLinear"))
                                                      .Select(n => n.OpType).Order().ToArray();
        Assert.Equal(Others(fp32.Graph), Others(graph));
        var digitCaps = graph.Initializer.Single(t => t.Name == CapsNetOnnxGraph.DigitCapsWeights);
        Assert.Equal((int)DataType.Float, digitCaps.DataType);
        Assert.Equal((int)DataType.Float, graph.Initializer.Single(t => t.Name == CapsNetOnnxGraph.WeightOf(CapsNetOnnxGraph.DecoderLayer3)).DataType);
        Assert.Equal(fp32.Graph.Input.Select(i => i.ToString()), graph.Input.Select(i => i.ToString()));
        Assert.Equal(fp32.Graph.Output.Select(o => o.ToString()), graph.Output.Select(o => o.ToString()));
        Assert.True(result.Model.Length < 0.6 * fp32.CalculateSize());
    }

    [Fact]
    public void Onnx_runtime_runs_both_convolutions_as_integer_kernels_and_keeps_the_digits()
    {
        var (_, result) = Quantized.Value;
        Assert.Equal(2, result.FusedConvolutions);
        Assert.Equal(2, Int8Exporter.FusedIntegerConvolutions(result.Model));
        var q = result.Quantization;
        Assert.Equal(500, q.TestImages);
        Assert.Equal(200, q.CalibrationImages);
        Assert.True(q.TestAccuracy >= q.Fp32TestAccuracy - 0.004, $"int8 {q.TestAccuracy:P2}, fp32 {q.Fp32TestAccuracy:P2} on 500 test digits");
    }

    [Fact]
    public void A_float_graph_reports_no_integer_kernels()
    {
        Assert.Equal(0, Int8Exporter.FusedIntegerConvolutions(File.ReadAllBytes(Path.Combine(Shipped, ModelContract.ModelFileName))));
    }

    [Theory]
    [InlineData(0.9960, 0.9970, true)]      // exactly 0.1 points lost
    [InlineData(0.9975, 0.9970, true)]
    [InlineData(0.9959, 0.9970, false)]
    [InlineData(0.9800, 0.9970, false)]
    public void An_int8_graph_that_loses_more_than_a_tenth_of_a_point_is_refused(double int8, double fp32, bool passes)
    {
        var q = new Int8Quantization
        {
            TestAccuracy = int8, Fp32TestAccuracy = fp32, TestImages = 10_000, CalibrationImages = 1000,
            Calibration = Int8Exporter.CalibrationStatistic, QuantizedLayers = Int8QdqGraph.QuantizedLayers,
        };
        Assert.Equal(passes, q.Passed);
        if (passes)
        {
            Int8Exporter.RequirePassed(q);
            return;
        }
        var error = Assert.Throws<ExportCheckFailedException>(() => Int8Exporter.RequirePassed(q));
        Assert.Contains("loses more than 0.1 points", error.Message);
        Assert.Contains($"{ModelContract.Int8ModelFileName} was not written", error.Message);
    }

    [Fact]
    public void Quantizing_a_folder_writes_the_int8_graph_and_its_figures_and_leaves_the_float_files_alone_until_a_new_export()
    {
        foreach (var name in new[] { ModelContract.ModelFileName, ModelContract.DecoderFileName, ModelContract.MetadataFileName })
            File.Copy(Path.Combine(Shipped, name), Path.Combine(models, name));
        var classifier = File.ReadAllBytes(Path.Combine(models, ModelContract.ModelFileName));

        var result = Int8Exporter.QuantizeFolder(models, RealMnist.Train.Take(100), RealMnist.Test.Take(200), calibrationImages: 100);

        Assert.Equal(classifier, File.ReadAllBytes(Path.Combine(models, ModelContract.ModelFileName)));
        var sidecar = ModelMetadata.FromJson(File.ReadAllText(Path.Combine(models, ModelContract.MetadataFileName)));
        Assert.Equal(result.Quantization, sidecar.Int8);
        var int8 = File.ReadAllBytes(Path.Combine(models, ModelContract.Int8ModelFileName));
        var written = OnnxMetadataRewriter.ReadMetadata(int8);
        Assert.Equal(sidecar with { Files = null }, written);
        Assert.Equal(OnnxMetadataRewriter.ReadMetadata(classifier), written with { Int8 = null });
        Assert.Equal(new PublishedFileHashes(PublishedFileHashes.Of(classifier),
                                             PublishedFileHashes.Of(File.ReadAllBytes(Path.Combine(models, ModelContract.DecoderFileName))),
                                             PublishedFileHashes.Of(int8)), sidecar.Files);

        // A new float32 model makes the int8 graph of the old one go.
        ModelPublisher.Publish(models, classifier, File.ReadAllBytes(Path.Combine(models, ModelContract.DecoderFileName)), written with { Int8 = null });
        Assert.False(File.Exists(Path.Combine(models, ModelContract.Int8ModelFileName)));
    }
}
