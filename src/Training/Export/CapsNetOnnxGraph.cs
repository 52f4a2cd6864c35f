using CapsNetService.Common;
using CapsNetService.Training.Model;
using Onnx;
using static TorchSharp.torch;
using static CapsNetService.Training.Export.OnnxGraphBuilder;

namespace CapsNetService.Training.Export;

/// <summary>
/// The CapsNet as ONNX graphs built from the trained tensors: the same arithmetic as <see cref="CapsNet"/>,
/// written with standard operators only (opset 17), so both ONNX Runtime's CPU and CUDA providers run every node.
/// The routing loop is unrolled: its iteration count is fixed when the model is exported.
/// </summary>
public static class CapsNetOnnxGraph
{
    public const int Opset = 17;

    /// <summary>Names of the trained tensors among the classifier's initializers (a layer's are <c>{layer}_W</c>,
    /// <c>{layer}_B</c>); <see cref="OnnxWeightImport"/> reads them back.</summary>
    public const string Conv1Layer = "conv1", PrimaryLayer = "primary", DigitCapsWeights = "digit_caps_W",
                        DecoderLayer1 = "decoder_fc1", DecoderLayer2 = "decoder_fc2", DecoderLayer3 = "decoder_fc3";

    public static string WeightOf(string layer) => layer + "_W";
    public static string BiasOf(string layer) => layer + "_B";

    /// <summary>image → probabilities, capsules, reconstruction (of the longest capsule).</summary>
    public static GraphProto BuildClassifier(CapsNet model)
    {
        var a = model.Architecture;
        var g = new OnnxGraphBuilder("capsnet");
        long[] imageShape = [1, a.ImageSide, a.ImageSide];
        g.Input(ModelContract.ImageInput, ModelContract.BatchDimension, imageShape);
        var eps = g.Scalar("epsilon", Capsules.Epsilon);
        var one = g.Scalar("one", 1f);
        var lastAxis = g.Initializer("axis_last", [-1L]);

        // Conv1 + ReLU, then PrimaryCaps: a strided convolution read as 32 maps of 8-D capsules.
        var features = g.Node("Relu", [Conv(g, Conv1Layer, model.Conv1, ModelContract.ImageInput, stride: 1)]);
        var grid = Conv(g, PrimaryLayer, model.PrimaryCaps.Conv, features, a.PrimaryStride);          // [N, 32·8, 6, 6]
        int cells = a.PrimaryGridSide * a.PrimaryGridSide;
        var byMap = g.Node("Reshape", [grid, g.Initializer("primary_grid_shape", [0L, a.PrimaryMaps, a.PrimaryDims, cells])]);
        var capsuleLast = g.Node("Transpose", [byMap], Ints("perm", 0, 1, 3, 2));                   // [N, 32, 36, 8]
        var primary = Squash(g, g.Node("Reshape", [capsuleLast,
            g.Initializer("primary_caps_shape", [0L, a.PrimaryCapsuleCount, a.PrimaryDims])]), eps, one, lastAxis);

        // û_j|i = W_ij · u_i as one batched matmul over the inputs i: [I, N, 8] × [I, 8, J·16].
        using var w = model.DigitCaps.Weights.detach().transpose(1, 2).contiguous();                // [I, 8, J·16]
        var weights = g.Initializer(DigitCapsWeights, Values(w), w.shape);
        var perInput = g.Node("Transpose", [primary], Ints("perm", 1, 0, 2));                       // [I, N, 8]
        var products = g.Node("MatMul", [perInput, weights]);                                       // [I, N, J·16]
        var uHatFlat = g.Node("Transpose", [products], Ints("perm", 1, 0, 2));                      // [N, I, J·16]
        var uHat = g.Node("Reshape", [uHatFlat, g.Initializer("u_hat_shape",
            [0L, a.PrimaryCapsuleCount, ModelContract.Classes, ModelContract.CapsuleDims])]);      // [N, I, J, 16]

        var digits = Routing(g, uHat, a.RoutingIterations, eps, one, lastAxis);                    // v: [N, J, 16]
        g.Node("Identity", [digits], ModelContract.CapsulesOutput);
        Length(g, digits, eps, lastAxis, ModelContract.ProbabilitiesOutput);

        // The decoder sees only the longest capsule: mask = (argmax == class index).
        var longest = g.Node("ArgMax", [ModelContract.ProbabilitiesOutput], Int("axis", 1), Int("keepdims", 1));  // [N, 1]
        var classes = g.Initializer("class_indices", Enumerable.Range(0, ModelContract.Classes).Select(i => (long)i).ToArray());
        var mask = g.Node("Cast", [g.Node("Equal", [longest, classes])], Int("to", (long)TensorProto.Types.DataType.Float));
        var masked = g.Node("Mul", [digits, g.Node("Unsqueeze", [mask, lastAxis])]);
        Decoder(g, model.Decoder, masked, a.ImageSide, ModelContract.ReconstructionOutput);

        g.Output(ModelContract.ProbabilitiesOutput, ModelContract.BatchDimension, ModelContract.Classes);
        g.Output(ModelContract.CapsulesOutput, ModelContract.BatchDimension, ModelContract.CapsulesShape);
        g.Output(ModelContract.ReconstructionOutput, ModelContract.BatchDimension, imageShape);
        return g.Graph;
    }

    /// <summary>capsules (all but one zeroed, as in training) → reconstruction.</summary>
    public static GraphProto BuildDecoder(CapsNet model)
    {
        int side = model.Architecture.ImageSide;
        var g = new OnnxGraphBuilder("capsnet_decoder");
        g.Input(ModelContract.DecoderCapsulesInput, ModelContract.BatchDimension, ModelContract.CapsulesShape);
        Decoder(g, model.Decoder, ModelContract.DecoderCapsulesInput, side, ModelContract.ReconstructionOutput);
        g.Output(ModelContract.ReconstructionOutput, ModelContract.BatchDimension, [1L, side, side]);
        return g.Graph;
    }

    /// <summary>Procedure 1, unrolled; see <see cref="RoutingByAgreement"/>.</summary>
    private static string Routing(OnnxGraphBuilder g, string uHat, int iterations, string eps, string one, string lastAxis)
    {
        var inputAxis = g.Initializer("axis_inputs", [1L]);
        string? logits = null;      // b = 0 before the first iteration
        string parents = "";
        for (int r = 0; r < iterations; r++)
        {
            // c = softmax(b) over the parents (axis 2); softmax(0) is the uniform 1/J.
            var coupling = logits is null
                ? g.Scalar("uniform_coupling", 1f / ModelContract.Classes)
                : g.Node("Unsqueeze", [g.Node("Softmax", [logits], Int("axis", 2)), lastAxis]);      // [N, I, J, 1]
            var total = g.Node("ReduceSum", [g.Node("Mul", [coupling, uHat]), inputAxis], Int("keepdims", 0));  // s: [N, J, 16]
            parents = Squash(g, total, eps, one, lastAxis);                                        // v: [N, J, 16]
            if (r == iterations - 1) break;
            var agreement = g.Node("ReduceSum", [g.Node("Mul", [uHat, g.Node("Unsqueeze", [parents, inputAxis])]), lastAxis],
                                   Int("keepdims", 0));                                             // û·v: [N, I, J]
            logits = logits is null ? agreement : g.Node("Add", [logits, agreement]);
        }
        return parents;
    }

    /// <summary>v = |s|²/(1+|s|²) · s/sqrt(|s|² + ε), along the last axis.</summary>
    private static string Squash(OnnxGraphBuilder g, string s, string eps, string one, string lastAxis)
    {
        var squaredNorm = g.Node("ReduceSum", [g.Node("Mul", [s, s]), lastAxis], Int("keepdims", 1));
        var shrink = g.Node("Div", [squaredNorm, g.Node("Add", [squaredNorm, one])]);
        var scale = g.Node("Div", [shrink, g.Node("Sqrt", [g.Node("Add", [squaredNorm, eps])])]);
        return g.Node("Mul", [s, scale]);
    }

    private static string Length(OnnxGraphBuilder g, string v, string eps, string lastAxis, string outputName)
    {
        var squaredNorm = g.Node("ReduceSum", [g.Node("Mul", [v, v]), lastAxis], Int("keepdims", 0));
        return g.Node("Sqrt", [g.Node("Add", [squaredNorm, eps])], outputName);
    }

    private static string Decoder(OnnxGraphBuilder g, TorchSharp.Modules.Sequential decoder, string maskedCapsules, long side, string outputName)
    {
        var flat = g.Node("Reshape", [maskedCapsules,
            g.Initializer($"{g.Graph.Name}_flat_shape", [0L, ModelContract.Classes * ModelContract.CapsuleDims])]);
        var h1 = g.Node("Relu", [Dense(g, DecoderLayer1, Model.Decoder.Layer(decoder, Model.Decoder.Hidden1), flat)]);
        var h2 = g.Node("Relu", [Dense(g, DecoderLayer2, Model.Decoder.Layer(decoder, Model.Decoder.Hidden2), h1)]);
        var pixels = g.Node("Sigmoid", [Dense(g, DecoderLayer3, Model.Decoder.Layer(decoder, Model.Decoder.Output), h2)]);
        return g.Node("Reshape", [pixels, g.Initializer($"{g.Graph.Name}_image_shape",
            [0L, 1, side, side])], outputName);
    }

    private static string Conv(OnnxGraphBuilder g, string name, TorchSharp.torch.nn.Module conv, string input, long stride)
    {
        var w = conv.get_parameter("weight")!.detach();
        var b = conv.get_parameter("bias")!.detach();
        var weight = g.Initializer(WeightOf(name), Values(w), w.shape);
        var bias = g.Initializer(BiasOf(name), Values(b), b.shape);
        return g.Node("Conv", [input, weight, bias],
                      Ints("kernel_shape", w.shape[2], w.shape[3]), Ints("strides", stride, stride));
    }

    private static string Dense(OnnxGraphBuilder g, string name, TorchSharp.Modules.Linear linear, string input)
    {
        var w = linear.weight!.detach();        // [out, in]: Gemm with transB
        var b = linear.bias!.detach();
        return g.Node("Gemm", [input, g.Initializer(WeightOf(name), Values(w), w.shape), g.Initializer(BiasOf(name), Values(b), b.shape)],
                      Int("transB", 1));
    }

    private static float[] Values(Tensor t)
    {
        using var cpu = t.to(float32).cpu().contiguous();
        return cpu.data<float>().ToArray();
    }
}
