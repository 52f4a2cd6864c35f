using CapsNetService.Common;
using CapsNetService.Training.Model;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace CapsNetService.Training.Export;

/// <summary>Runs the exported graphs under ONNX Runtime (CPU) and the model under TorchSharp on the same batch.</summary>
public static class OnnxParityCheck
{
    /// <param name="images">[count × side²] pixels in [0, 1], side the model's input side.</param>
    public static ParityReport Compare(CapsNet model, byte[] classifier, byte[] decoder, float[] images, int count)
    {
        int side = model.Architecture.ImageSide;
        long[] imageShape = [count, 1, side, side];

        // TorchSharp, on the CPU, at test time.
        var device = model.parameters().First().device;
        model.eval();
        float[] torchProbabilities, torchCapsules, torchReconstruction;
        using (no_grad())
        using (var input = tensor(images, imageShape).to(device))
        using (var output = model.forward(input, null))
        {
            torchProbabilities = output.Lengths.cpu().data<float>().ToArray();
            torchCapsules = output.DigitCapsules.cpu().data<float>().ToArray();
            torchReconstruction = output.Reconstruction.cpu().data<float>().ToArray();
        }

        using var options = new SessionOptions();
        using var classifierSession = new InferenceSession(classifier, options);
        using var decoderSession = new InferenceSession(decoder, options);
        using var runOptions = new RunOptions();

        using var imageValue = OrtValue.CreateTensorValueFromMemory(images, imageShape);
        using var outputs = classifierSession.Run(runOptions, [ModelContract.ImageInput], [imageValue],
            [ModelContract.ProbabilitiesOutput, ModelContract.CapsulesOutput, ModelContract.ReconstructionOutput]);
        var probabilities = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        var capsules = outputs[1].GetTensorDataAsSpan<float>().ToArray();
        var reconstruction = outputs[2].GetTensorDataAsSpan<float>().ToArray();

        // The decoder graph, fed the capsules masked to the longest one, must redraw the same image.
        var masked = new float[capsules.Length];
        int capsuleSize = ModelContract.Classes * ModelContract.CapsuleDims;
        for (int n = 0; n < count; n++)
        {
            int longest = ArgMax(probabilities.AsSpan(n * ModelContract.Classes, ModelContract.Classes));
            int at = n * capsuleSize + longest * ModelContract.CapsuleDims;
            capsules.AsSpan(at, ModelContract.CapsuleDims).CopyTo(masked.AsSpan(at));
        }
        using var capsuleValue = OrtValue.CreateTensorValueFromMemory(masked, [count, ModelContract.Classes, ModelContract.CapsuleDims]);
        using var decoded = decoderSession.Run(runOptions, [ModelContract.DecoderCapsulesInput], [capsuleValue],
                                               [ModelContract.ReconstructionOutput]);
        var decoderReconstruction = decoded[0].GetTensorDataAsSpan<float>().ToArray();

        // A different argmax counts unless the two classes are tied within the tolerance (then both answers are right).
        int disagreements = 0;
        for (int n = 0; n < count; n++)
        {
            var torchRow = torchProbabilities.AsSpan(n * ModelContract.Classes, ModelContract.Classes);
            int ours = ArgMax(probabilities.AsSpan(n * ModelContract.Classes, ModelContract.Classes)), theirs = ArgMax(torchRow);
            if (ours != theirs && torchRow[theirs] - torchRow[ours] > ParityReport.Tolerance) disagreements++;
        }

        return new ParityReport(count, MaxDifference(probabilities, torchProbabilities), MaxDifference(capsules, torchCapsules),
                                MaxDifference(reconstruction, torchReconstruction),
                                MaxDifference(decoderReconstruction, torchReconstruction), disagreements);
    }

    private static double MaxDifference(float[] a, float[] b)
    {
        if (a.Length != b.Length) return double.PositiveInfinity;
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
