using CapsNetService.Common;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace CapsNetService.Inference.Api.Inference;

/// <summary>
/// Checks that a session's graph has the inputs and outputs of <see cref="ModelContract"/>: names, float32 element
/// type, and shapes with a dynamic batch dimension first.
/// </summary>
public static class ModelContractCheck
{
    private static readonly int[] ImageShape = [-1, 1, ModelContract.ImageSide, ModelContract.ImageSide];
    private static readonly int[] ProbabilitiesShape = [-1, ModelContract.Classes];
    private static readonly int[] CapsulesShape = [-1, ModelContract.Classes, ModelContract.CapsuleDims];

    /// <exception cref="ModelRejectedException">The classifier graph breaks the contract.</exception>
    public static void CheckClassifier(InferenceSession session)
    {
        const string file = ModelContract.ModelFileName;
        Require(file, "input", session.InputMetadata, ModelContract.ImageInput, ImageShape);
        Require(file, "output", session.OutputMetadata, ModelContract.ProbabilitiesOutput, ProbabilitiesShape);
        Require(file, "output", session.OutputMetadata, ModelContract.CapsulesOutput, CapsulesShape);
        Require(file, "output", session.OutputMetadata, ModelContract.ReconstructionOutput, ImageShape);
    }

    /// <exception cref="ModelRejectedException">The decoder graph breaks the contract.</exception>
    public static void CheckDecoder(InferenceSession session)
    {
        const string file = ModelContract.DecoderFileName;
        Require(file, "input", session.InputMetadata, ModelContract.DecoderCapsulesInput, CapsulesShape);
        Require(file, "output", session.OutputMetadata, ModelContract.ReconstructionOutput, ImageShape);
    }

    private static void Require(string file, string kind, IReadOnlyDictionary<string, NodeMetadata> nodes, string name, int[] shape)
    {
        if (!nodes.TryGetValue(name, out var node))
            throw new ModelRejectedException(
                $"{file} has no {kind} named '{name}' (it has {string.Join(", ", nodes.Keys.Select(k => $"'{k}'"))})");
        if (!node.IsTensor || node.ElementDataType != TensorElementType.Float)
            throw new ModelRejectedException(
                $"{file}: {kind} '{name}' is {(node.IsTensor ? node.ElementDataType.ToString() : node.OnnxValueType.ToString())}, not a float32 tensor");
        var dims = node.Dimensions;
        bool matches = dims.Length == shape.Length && dims[0] < 0;
        for (int i = 1; matches && i < shape.Length; i++) matches = dims[i] == shape[i];
        if (!matches)
            throw new ModelRejectedException(
                $"{file}: {kind} '{name}' has shape {Format(dims)}; the service needs {Format(shape)} with a dynamic batch dimension N");
    }

    private static string Format(int[] dims) => "[" + string.Join(", ", dims.Select(d => d < 0 ? "N" : d.ToString())) + "]";
}
