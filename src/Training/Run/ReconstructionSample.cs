namespace CapsNetService.Training.Run;

/// <summary>A few test images beside what the decoder made of them, for the report.
/// Pixels are row-major 28×28 floats in [0, 1], one image after another.</summary>
public sealed record ReconstructionSample(float[] Originals, float[] Reconstructions, int[] Labels, int[] Predictions)
{
    public int Count => Labels.Length;
}
