using CapsNetService.Training.Checkpoints;
using System.Runtime.InteropServices;
using CapsNetService.Common;
using CapsNetService.Training.Model;
using CapsNetService.Training.Run;
using Google.Protobuf;
using Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static CapsNetService.Training.Export.CapsNetOnnxGraph;

namespace CapsNetService.Training.Export;

/// <summary>
/// The inverse of <see cref="CapsNetOnnxGraph.BuildClassifier"/>: a published <c>capsnet.onnx</c> back into a trainable
/// <see cref="CapsNet"/>, so a model can be trained further when only the published file is left (checkpoints stay
/// in run folders; models/ is what gets deployed and kept).
/// </summary>
public static class OnnxWeightImport
{
    public static (CapsNet Model, ModelMetadata Metadata) Load(string path, CapsNetArchitecture architecture,
                                                             ConvolutionPrecision precision = ConvolutionPrecision.Fp32)
    {
        var proto = Read(path);
        ModelMetadata metadata;
        try
        {
            metadata = ModelMetadata.FromProperties(proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value));
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException($"{path}: not a CapsNetService model ({e.Message})", e);
        }

        // An MNIST model into a 36×36 run (or the reverse) would fail on the first weight's shape; say why instead.
        string wanted = architecture.Dataset() == TrainingDataset.MultiMnist ? ModelKinds.MultiMnist : ModelKinds.Mnist;
        if (metadata.KindOrDefault != wanted)
            throw new CheckpointException($"{path} is a {metadata.KindOrDefault} model; this run trains a {wanted} CapsNet");

        var initializers = proto.Graph?.Initializer.GroupBy(t => t.Name).ToDictionary(g => g.Key, g => g.First())
                           ?? throw new CheckpointException($"{path}: the ONNX model has no graph");
        var model = new CapsNet(architecture, precision);
        try
        {
            using var noGrad = no_grad();
            CopyLayer(path, initializers, Conv1Layer, model.Conv1);
            CopyLayer(path, initializers, PrimaryLayer, model.PrimaryCaps.Conv);
            // Stored as [I, 8, J·16] for the MatMul; the layer keeps W as [I, J·16, 8].
            Copy(path, initializers, DigitCapsWeights, model.DigitCaps.Weights, stored => stored.transpose(1, 2));
            CopyLayer(path, initializers, DecoderLayer1, Decoder.Layer(model.Decoder, Decoder.Hidden1));
            CopyLayer(path, initializers, DecoderLayer2, Decoder.Layer(model.Decoder, Decoder.Hidden2));
            CopyLayer(path, initializers, DecoderLayer3, Decoder.Layer(model.Decoder, Decoder.Output));
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return (model, metadata);
    }

    private static ModelProto Read(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException($"model not found: {path}");
        try
        {
            using var file = File.OpenRead(path);
            return ModelProto.Parser.ParseFrom(file);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new CheckpointException($"{path} is not an ONNX model ({e.Message})", e);
        }
    }

    private static void CopyLayer(string path, Dictionary<string, TensorProto> initializers, string layer, TorchSharp.torch.nn.Module module)
    {
        Copy(path, initializers, WeightOf(layer), module.get_parameter("weight")!);
        Copy(path, initializers, BiasOf(layer), module.get_parameter("bias")!);
    }

    private static void Copy(string path, Dictionary<string, TensorProto> initializers, string name, Parameter target,
                             Func<Tensor, Tensor>? fromStored = null)
    {
        if (!initializers.TryGetValue(name, out var stored))
            throw new CheckpointException($"{path}: the initializer '{name}' is missing; not a CapsNet exported by this trainer");
        long count = stored.Dims.Aggregate(1L, (a, b) => a * b);
        if (stored.DataType != (int)TensorProto.Types.DataType.Float || stored.RawData.Length != count * sizeof(float))
            throw new CheckpointException($"{path}: the initializer '{name}' is not {count} float32 values in raw_data");

        var values = MemoryMarshal.Cast<byte, float>(stored.RawData.Span).ToArray();
        using var source = tensor(values, stored.Dims.ToArray());
        using var shaped = fromStored?.Invoke(source) ?? source.alias();
        if (!shaped.shape.SequenceEqual(target.shape))
            throw new CheckpointException($"{path}: '{name}' has shape [{string.Join(", ", shaped.shape)}], "
                                          + $"the CapsNet expects [{string.Join(", ", target.shape)}]");
        target.copy_(shaped);
    }
}
