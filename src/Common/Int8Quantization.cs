namespace CapsNetService.Common;

/// <summary>
/// How a model's int8 graph (<see cref="ModelContract.Int8ModelFileName"/>) was made and what it scored: recorded in that
/// file's metadata and in the sidecar JSON. Both accuracies are measured under ONNX Runtime (CPU) on the same
/// <see cref="TestImages"/> MNIST test images, so they differ by quantization alone.
/// </summary>
public sealed record Int8Quantization
{
    /// <summary>The most test accuracy (a fraction: 0.001 is 0.1 points) the int8 graph may lose against the float32 one.</summary>
    public const double MaxAccuracyLoss = 0.001;

    public required double TestAccuracy { get; init; }
    public required double Fp32TestAccuracy { get; init; }
    public required int TestImages { get; init; }
    /// <summary>How many MNIST training images set the activation scales.</summary>
    public required int CalibrationImages { get; init; }
    /// <summary>The statistic the activation ranges were taken from, in words.</summary>
    public required string Calibration { get; init; }
    /// <summary>The nodes that run on integers (the convolutions), by the names of their weights.</summary>
    public required IReadOnlyList<string> QuantizedLayers { get; init; }

    /// <summary>Whether the int8 graph kept the float32 graph's accuracy within <see cref="MaxAccuracyLoss"/>.</summary>
    public bool Passed => TestAccuracy >= Fp32TestAccuracy - MaxAccuracyLoss - 1e-12;

    public bool Equals(Int8Quantization? other) =>
        other is not null && TestAccuracy == other.TestAccuracy && Fp32TestAccuracy == other.Fp32TestAccuracy
        && TestImages == other.TestImages && CalibrationImages == other.CalibrationImages && Calibration == other.Calibration
        && QuantizedLayers.SequenceEqual(other.QuantizedLayers);

    public override int GetHashCode() => HashCode.Combine(TestAccuracy, Fp32TestAccuracy, TestImages, CalibrationImages, Calibration);
}
