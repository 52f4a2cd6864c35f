using Google.Protobuf;
using Onnx;

namespace CapsNetService.Training.Export;

/// <summary>
/// A thin layer over the ONNX protobuf classes (OnnxSharp): adds nodes, initializers and typed inputs/outputs to a
/// <see cref="GraphProto"/>, naming intermediate values uniquely, so graph code reads as a list of operators.
/// </summary>
public sealed class OnnxGraphBuilder(string name)
{
    private int counter;

    public GraphProto Graph { get; } = new() { Name = name };

    /// <summary>Adds a node and returns the name of its (first) output.</summary>
    public string Node(string opType, IEnumerable<string> inputs, params AttributeProto[] attributes) =>
        Node(opType, inputs, outputName: null, attributes);

    public string Node(string opType, IEnumerable<string> inputs, string? outputName, params AttributeProto[] attributes)
    {
        var output = outputName ?? $"{opType.ToLowerInvariant()}_{counter++}";
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{Graph.Node.Count}" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    public string Initializer(string tensorName, float[] values, params long[] dims)
    {
        if (values.Length != dims.Aggregate(1L, (a, b) => a * b))
            throw new ArgumentException($"{tensorName}: {values.Length} values do not fill [{string.Join(",", dims)}]");
        var tensor = new TensorProto { Name = tensorName, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);   // raw_data is little-endian, as is x86/ARM
        tensor.RawData = ByteString.CopyFrom(bytes);
        Graph.Initializer.Add(tensor);
        return tensorName;
    }

    public string Initializer(string tensorName, long[] values)
    {
        var tensor = new TensorProto { Name = tensorName, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        Graph.Initializer.Add(tensor);
        return tensorName;
    }

    public string Scalar(string tensorName, float value)
    {
        var tensor = new TensorProto { Name = tensorName, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.FloatData.Add(value);
        Graph.Initializer.Add(tensor);
        return tensorName;
    }

    /// <summary>Declares a float32 graph input or output; a null dimension is the dynamic batch.</summary>
    public void Input(string valueName, string batchDimension, params long[] dims) =>
        Graph.Input.Add(FloatValue(valueName, batchDimension, dims));

    public void Output(string valueName, string batchDimension, params long[] dims) =>
        Graph.Output.Add(FloatValue(valueName, batchDimension, dims));

    private static ValueInfoProto FloatValue(string valueName, string batchDimension, long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batchDimension });
        foreach (var dim in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = dim });
        return new ValueInfoProto
        {
            Name = valueName,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape },
            },
        };
    }

    public static AttributeProto Ints(string attribute, params long[] values)
    {
        var proto = new AttributeProto { Name = attribute, Type = AttributeProto.Types.AttributeType.Ints };
        proto.Ints.AddRange(values);
        return proto;
    }

    public static AttributeProto Int(string attribute, long value) =>
        new() { Name = attribute, Type = AttributeProto.Types.AttributeType.Int, I = value };
}
