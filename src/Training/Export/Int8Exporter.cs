using CapsNetService.Common;
using CapsNetService.Common.Mnist;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace CapsNetService.Training.Export;

/// <summary>
/// A published float32 classifier → <see cref="ModelContract.Int8ModelFileName"/>: activation ranges calibrated on
/// MNIST training images, the convolutions quantized (<see cref="Int8QdqGraph"/>), ONNX Runtime's fusion into integer
/// kernels checked, both graphs scored on the test set, and the int8 graph published only when it loses at most
/// <see cref="Int8Quantization.MaxAccuracyLoss"/>. Needs no checkpoint: the published file holds every weight.
/// </summary>
public static class Int8Exporter
{
    public const int DefaultCalibrationImages = 1000;

    /// <summary>Why the largest value: CapsNet's answer is the length of capsules squashed from PrimaryCaps' output, and
    /// clipping that output at a percentile shortens exactly the long capsules that decide the class; a thousand
    /// digits show no far outliers that would cost the 256 levels much resolution.</summary>
    public const string CalibrationStatistic = "min/max over the calibration images (Conv1's ReLU: max)";

    /// <summary>Node types ONNX Runtime's CPU provider runs a quantized convolution with.</summary>
    public static readonly string[] IntegerConvolutions = ["QLinearConv", "ConvInteger"];

    /// <summary>The int8 graph and what was measured; <see cref="Int8Quantization.Passed"/> says whether it may be published.</summary>
    public sealed record Result(byte[] Model, Int8Quantization Quantization, int FusedConvolutions);

    /// <summary>Quantizes <paramref name="fp32Classifier"/> and measures it; writes nothing.</summary>
    /// <exception cref="ExportCheckFailedException">ONNX Runtime does not turn the convolutions into integer kernels.</exception>
    public static Result Quantize(byte[] fp32Classifier, MnistSet train, MnistSet test, int calibrationImages = DefaultCalibrationImages,
                                  Action<string>? log = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(calibrationImages, 1);
        var fp32 = ModelProto.Parser.ParseFrom(fp32Classifier);
        calibrationImages = Math.Min(calibrationImages, train.Count);
        var ranges = Calibrate(fp32, train.ModelInput(0, calibrationImages));
        log?.Invoke($"int8: activation ranges from {calibrationImages} training images: Conv1 ReLU [0, {ranges.Conv1ReluMax:G4}], "
                    + $"PrimaryCaps conv [{ranges.PrimaryMin:G4}, {ranges.PrimaryMax:G4}]");

        var int8 = Int8QdqGraph.Quantize(fp32, ranges).ToByteArray();
        int fused = FusedIntegerConvolutions(int8);
        if (fused != Int8QdqGraph.QuantizedLayers.Length)
            throw new ExportCheckFailedException(
                $"ONNX Runtime fused {fused} of the {Int8QdqGraph.QuantizedLayers.Length} quantized convolutions into integer kernels; "
                + "the int8 graph would run in float and was not written");

        var fp32Accuracy = Accuracy(fp32Classifier, test);
        var int8Accuracy = Accuracy(int8, test);
        log?.Invoke($"int8: {int8Accuracy:P2} on {test.Count:N0} test images under ONNX Runtime (float32: {fp32Accuracy:P2})");
        var quantization = new Int8Quantization
        {
            TestAccuracy = int8Accuracy,
            Fp32TestAccuracy = fp32Accuracy,
            TestImages = test.Count,
            CalibrationImages = calibrationImages,
            Calibration = CalibrationStatistic,
            QuantizedLayers = Int8QdqGraph.QuantizedLayers,
        };
        return new Result(int8, quantization, fused);
    }

    /// <summary>Quantizes the model in <paramref name="directory"/> and publishes capsnet.int8.onnx, with the measured
    /// figures in its metadata and in capsnet.json; the float32 files are left as they are.</summary>
    /// <exception cref="ExportCheckFailedException">The int8 graph loses too much accuracy (nothing is written).</exception>
    public static Result QuantizeFolder(string directory, MnistSet train, MnistSet test, int calibrationImages = DefaultCalibrationImages,
                                        Action<string>? log = null)
    {
        var classifierPath = Path.Combine(directory, ModelContract.ModelFileName);
        if (!File.Exists(classifierPath)) throw new FileNotFoundException($"{ModelContract.ModelFileName} not found in {directory}");
        var classifier = File.ReadAllBytes(classifierPath);
        var metadata = OnnxMetadataRewriter.ReadMetadata(classifier);

        var result = Quantize(classifier, train, test, calibrationImages, log);
        var q = result.Quantization;
        RequirePassed(q);

        var described = metadata with { Int8 = q };
        var int8 = OnnxMetadataRewriter.WithMetadata(result.Model, described);
        ModelPublisher.PublishInt8(directory, int8, described, classifier);
        return result with { Model = int8 };
    }

    /// <exception cref="ExportCheckFailedException">The int8 graph loses more than <see cref="Int8Quantization.MaxAccuracyLoss"/>.</exception>
    public static void RequirePassed(Int8Quantization q)
    {
        if (!q.Passed)
            throw new ExportCheckFailedException(
                $"the int8 graph scores {q.TestAccuracy:P2} on the test set, the float32 graph {q.Fp32TestAccuracy:P2}: it loses more than "
                + $"{Int8Quantization.MaxAccuracyLoss * 100:0.##} points, so {ModelContract.Int8ModelFileName} was not written");
    }

    /// <summary>The largest and smallest values of the two activations that get a quantization scale, over the images.</summary>
    private static Int8QdqGraph.Ranges Calibrate(ModelProto fp32, float[] images)
    {
        var tapped = Int8QdqGraph.Find(fp32.Graph);
        var probe = fp32.Clone();
        foreach (var name in new[] { tapped.Conv1Relu, tapped.PrimaryConv })
            probe.Graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });

        using var session = new InferenceSession(probe.ToByteArray());
        using var runOptions = new RunOptions();
        float reluMax = 0, primaryMin = 0, primaryMax = 0;
        const int batch = 100;
        int count = images.Length / ModelContract.ImagePixels;
        for (int start = 0; start < count; start += batch)
        {
            int n = Math.Min(batch, count - start);
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                images.AsMemory(start * ModelContract.ImagePixels, n * ModelContract.ImagePixels),
                [n, 1, ModelContract.ImageSide, ModelContract.ImageSide]);
            using var outputs = session.Run(runOptions, [ModelContract.ImageInput], [input], [tapped.Conv1Relu, tapped.PrimaryConv]);
            foreach (var v in outputs[0].GetTensorDataAsSpan<float>()) reluMax = MathF.Max(reluMax, v);
            foreach (var v in outputs[1].GetTensorDataAsSpan<float>())
            {
                primaryMin = MathF.Min(primaryMin, v);
                primaryMax = MathF.Max(primaryMax, v);
            }
        }
        return new Int8QdqGraph.Ranges(reluMax, primaryMin, primaryMax);
    }

    /// <summary>How many nodes of ONNX Runtime's optimized CPU graph are integer convolutions.</summary>
    public static int FusedIntegerConvolutions(byte[] model)
    {
        var path = Path.Combine(Path.GetTempPath(), $"capsnet-int8-optimized-{Guid.NewGuid():N}.onnx");
        try
        {
            // Extended is the level whose QDQ fusions are kept in a saved graph; the service runs with all, which adds layout changes on top.
            using (var options = new Microsoft.ML.OnnxRuntime.SessionOptions
                   {
                       GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = path,
                   })
            using (new InferenceSession(model, options)) { }
            var optimized = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            return optimized.Graph.Node.Count(n => IntegerConvolutions.Contains(n.OpType));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The share of <paramref name="test"/> whose longest capsule is the label, under ONNX Runtime (CPU).</summary>
    public static double Accuracy(byte[] classifier, MnistSet test)
    {
        using var scorer = new OnnxDigitScorer(classifier);
        var scored = scorer.Score(test.ModelInput(0, test.Count));
        int correct = 0;
        for (int i = 0; i < scored.Count; i++) if (scored[i].Digit == test.Labels[i]) correct++;
        return (double)correct / test.Count;
    }
}
