using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using static CapsNetService.Training.Export.CapsNetOnnxGraph;
using DataType = Onnx.TensorProto.Types.DataType;

namespace CapsNetService.Training.Export;

/// <summary>
/// The float32 classifier graph of <see cref="CapsNetOnnxGraph"/> with QuantizeLinear/DequantizeLinear pairs around its
/// two convolutions (Conv1 and PrimaryCaps', nearly all of the model's arithmetic): weights int8 per output channel
/// (symmetric), biases int32 on the product of the input and weight scales, activations uint8. That is the form ONNX
/// Runtime's CPU provider fuses into QLinearConv (DQ on input, weight and bias, Q on the output; the ReLU between the
/// convolutions is absorbed by the following Q, whose zero point is 0). Routing, squash and the decoder stay float32.
/// </summary>
public static class Int8QdqGraph
{
    /// <summary>The layers whose convolutions are quantized, by the names of their weights' prefix.</summary>
    public static readonly string[] QuantizedLayers = [Conv1Layer, PrimaryLayer];

    /// <summary>The float values whose ranges <see cref="Quantize"/> needs: the ReLU after Conv1 (PrimaryCaps' input)
    /// and PrimaryCaps' convolution output. The image needs none: it is in [0, 1] by contract.</summary>
    public sealed record Tapped(string Conv1Relu, string PrimaryConv);

    /// <summary>Activation ranges from calibration: [0, <paramref name="Conv1ReluMax"/>] and
    /// [<paramref name="PrimaryMin"/>, <paramref name="PrimaryMax"/>].</summary>
    public sealed record Ranges(float Conv1ReluMax, float PrimaryMin, float PrimaryMax);

    /// <exception cref="InvalidDataException">The graph is not the classifier this trainer exports.</exception>
    public static Tapped Find(GraphProto graph)
    {
        var conv1 = ConvOf(graph, Conv1Layer);
        var primary = ConvOf(graph, PrimaryLayer);
        var relu = graph.Node.SingleOrDefault(n => n.OpType == "Relu" && n.Input[0] == conv1.Output[0])
                   ?? throw new InvalidDataException("the graph has no ReLU after Conv1; not a CapsNet exported by this trainer");
        if (primary.Input[0] != relu.Output[0])
            throw new InvalidDataException("PrimaryCaps' convolution does not read Conv1's ReLU; not a CapsNet exported by this trainer");
        return new Tapped(relu.Output[0], primary.Output[0]);
    }

    /// <summary>A copy of <paramref name="fp32"/> with the convolutions quantized; metadata and everything else unchanged.</summary>
    public static ModelProto Quantize(ModelProto fp32, Ranges ranges)
    {
        var model = fp32.Clone();
        var graph = model.Graph;
        var tapped = Find(graph);
        var conv1 = ConvOf(graph, Conv1Layer);
        var primary = ConvOf(graph, PrimaryLayer);
        var imageName = conv1.Input[0];

        // The image is k/255 for an 8-bit picture: 1/255 with zero point 0 represents it exactly.
        var image = new Activation(imageName, 1f / 255, 0);
        var hidden = new Activation(tapped.Conv1Relu, MathF.Max(ranges.Conv1ReluMax, 1e-6f) / 255, 0);
        var capsules = Asymmetric(tapped.PrimaryConv, ranges.PrimaryMin, ranges.PrimaryMax);

        var nodes = graph.Node.ToList();
        graph.Node.Clear();
        // Q/DQ of the graph input come first; every other pair right after the node that makes its value.
        graph.Node.AddRange(QuantizePair(graph, image, out var imageDq));
        foreach (var node in nodes)
        {
            if (node == conv1) QuantizeConv(graph, node, Conv1Layer, image, imageDq);
            else if (node == primary) QuantizeConv(graph, node, PrimaryLayer, hidden, null);
            graph.Node.Add(node);
            if (node.Output[0] == hidden.Name)
            {
                graph.Node.AddRange(QuantizePair(graph, hidden, out var hiddenDq));
                primary.Input[0] = hiddenDq;
            }
            else if (node.Output[0] == capsules.Name)
            {
                graph.Node.AddRange(QuantizePair(graph, capsules, out var capsulesDq));
                foreach (var consumer in nodes.Where(n => n != primary))
                    for (int i = 0; i < consumer.Input.Count; i++)
                        if (consumer.Input[i] == capsules.Name) consumer.Input[i] = capsulesDq;
            }
        }
        model.DocString = fp32.DocString + " Int8: Conv1 and PrimaryCaps quantized (QDQ).";
        return model;
    }

    /// <summary>A uint8 activation: value = (q − zero point) · scale.</summary>
    private sealed record Activation(string Name, float Scale, byte ZeroPoint);

    private static Activation Asymmetric(string name, float min, float max)
    {
        min = MathF.Min(min, 0);
        max = MathF.Max(max, 0);
        var scale = MathF.Max(max - min, 1e-6f) / 255;
        return new Activation(name, scale, (byte)Math.Clamp(MathF.Round(-min / scale), 0, 255));
    }

    private static NodeProto ConvOf(GraphProto graph, string layer) =>
        graph.Node.SingleOrDefault(n => n.OpType == "Conv" && n.Input.Count == 3 && n.Input[1] == WeightOf(layer))
        ?? throw new InvalidDataException($"the graph has no convolution with weights '{WeightOf(layer)}'; not a CapsNet exported by this trainer");

    private static NodeProto[] QuantizePair(GraphProto graph, Activation a, out string dequantized)
    {
        var scale = AddTensor(graph, $"{a.Name}_scale", DataType.Float, [], BitConverter.GetBytes(a.Scale));
        var zero = AddTensor(graph, $"{a.Name}_zero_point", DataType.Uint8, [], [a.ZeroPoint]);
        var q = Node("QuantizeLinear", [a.Name, scale, zero], $"{a.Name}_quantized");
        dequantized = $"{a.Name}_dequantized";
        return [q, Node("DequantizeLinear", [q.Output[0], scale, zero], dequantized)];
    }

    /// <summary>Replaces the convolution's float weight and bias by int8 and int32 initializers read through
    /// DequantizeLinear nodes (added to the graph before it); the float initializers are removed.</summary>
    private static void QuantizeConv(GraphProto graph, NodeProto conv, string layer, Activation input, string? inputDq)
    {
        if (inputDq is not null) conv.Input[0] = inputDq;
        var weight = TakeFloats(graph, WeightOf(layer), out var dims);
        var bias = TakeFloats(graph, BiasOf(layer), out _);
        int channels = (int)dims[0], perChannel = weight.Length / channels;

        var scales = new float[channels];
        var q = new sbyte[weight.Length];
        var qBias = new int[channels];
        var biasScales = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            var row = weight.AsSpan(c * perChannel, perChannel);
            float max = 0;
            foreach (var w in row) max = MathF.Max(max, MathF.Abs(w));
            // Symmetric, [-127, 127]: the zero point is 0, so the integer kernel needs no weight-offset correction.
            scales[c] = max > 0 ? max / 127 : 1;
            for (int i = 0; i < perChannel; i++)
                q[c * perChannel + i] = (sbyte)Math.Clamp(MathF.Round(row[i] / scales[c]), -127, 127);
            biasScales[c] = input.Scale * scales[c];
            qBias[c] = (int)Math.Clamp(Math.Round(bias[c] / (double)biasScales[c]), int.MinValue, int.MaxValue);
        }

        var w8 = AddTensor(graph, $"{WeightOf(layer)}_int8", DataType.Int8, dims, MemoryMarshal.AsBytes(q.AsSpan()).ToArray());
        var wScale = AddTensor(graph, $"{WeightOf(layer)}_scale", DataType.Float, [channels], MemoryMarshal.AsBytes(scales.AsSpan()).ToArray());
        var wZero = AddTensor(graph, $"{WeightOf(layer)}_zero_point", DataType.Int8, [channels], new byte[channels]);
        var b32 = AddTensor(graph, $"{BiasOf(layer)}_int32", DataType.Int32, [channels], MemoryMarshal.AsBytes(qBias.AsSpan()).ToArray());
        var bScale = AddTensor(graph, $"{BiasOf(layer)}_scale", DataType.Float, [channels], MemoryMarshal.AsBytes(biasScales.AsSpan()).ToArray());
        var bZero = AddTensor(graph, $"{BiasOf(layer)}_zero_point", DataType.Int32, [channels], new byte[channels * sizeof(int)]);
        var axis = OnnxGraphBuilder.Int("axis", 0);
        graph.Node.Add(Node("DequantizeLinear", [w8, wScale, wZero], $"{WeightOf(layer)}_dequantized", axis));
        graph.Node.Add(Node("DequantizeLinear", [b32, bScale, bZero], $"{BiasOf(layer)}_dequantized", axis));
        conv.Input[1] = $"{WeightOf(layer)}_dequantized";
        conv.Input[2] = $"{BiasOf(layer)}_dequantized";
    }

    private static float[] TakeFloats(GraphProto graph, string name, out long[] dims)
    {
        var tensor = graph.Initializer.SingleOrDefault(t => t.Name == name)
                     ?? throw new InvalidDataException($"the initializer '{name}' is missing");
        long count = tensor.Dims.Aggregate(1L, (a, b) => a * b);
        if (tensor.DataType != (int)DataType.Float || tensor.RawData.Length != count * sizeof(float))
            throw new InvalidDataException($"the initializer '{name}' is not {count} float32 values in raw_data");
        graph.Initializer.Remove(tensor);
        dims = tensor.Dims.ToArray();
        return MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
    }

    private static string AddTensor(GraphProto graph, string name, DataType type, long[] dims, byte[] raw)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        tensor.Dims.AddRange(dims);
        graph.Initializer.Add(tensor);
        return name;
    }

    private static NodeProto Node(string opType, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }
}
