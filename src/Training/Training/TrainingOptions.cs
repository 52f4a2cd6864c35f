using CapsNetService.Training.Model;

namespace CapsNetService.Training.Training;

/// <summary>Everything a training run can be told; the defaults are the paper's.</summary>
public sealed record TrainingOptions
{
    public string DataDirectory { get; init; } = "data/mnist";
    public bool Download { get; init; } = true;
    public IReadOnlyList<string> Mirrors { get; init; } = Data.MnistFiles.DefaultMirrors;
    public string OutputDirectory { get; init; } = "runs/latest";
    public int Epochs { get; init; } = 30;
    public int BatchSize { get; init; } = 100;
    public int RoutingIterations { get; init; } = 3;
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Multiplies the learning rate after every epoch; 1 = constant.</summary>
    public double LearningRateDecay { get; init; } = 1.0;
    public int MaxShift { get; init; } = 2;
    public int Seed { get; init; } = 42;
    public int? LimitTrain { get; init; }
    public int? LimitTest { get; init; }
    public bool Resume { get; init; }
    /// <summary>Start from these weights (a checkpoint or a published capsnet.onnx) instead of random ones; null = random.</summary>
    public string? InitFrom { get; init; }
    /// <summary>What the convolutions compute in while training; evaluation and export are always float32.</summary>
    public ConvolutionPrecision Precision { get; init; } = ConvolutionPrecision.Fp32;
    /// <summary>Decay of the moving average of the weights updated after every step (see <see cref="WeightAverage"/>);
    /// 0 = off. When on, the average is what is evaluated, checkpointed as best and exported.</summary>
    public double WeightAverageDecay { get; init; }
    /// <summary>Export the best checkpoint to ONNX in the run folder when training ends.</summary>
    public bool ExportOnnx { get; init; } = true;
    /// <summary>Also publish the exported model into this models folder (atomically); null = don't.</summary>
    public string? PublishDirectory { get; init; }
    /// <summary>Leave a models folder alone when its model claims at least the new one's test accuracy.</summary>
    public bool PublishOnlyIfBetter { get; init; }

    public CapsNetArchitecture Architecture => CapsNetArchitecture.Paper with { RoutingIterations = RoutingIterations };

    /// <summary>Clear messages for values that cannot work; empty when all is well.</summary>
    public IEnumerable<string> Validate()
    {
        if (Epochs < 1) yield return "--epochs must be at least 1";
        if (BatchSize < 1) yield return "--batch-size must be at least 1";
        if (RoutingIterations < 1) yield return "--routing-iterations must be at least 1";
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) yield return "--learning-rate must be a positive number";
        if (!(LearningRateDecay > 0 && LearningRateDecay <= 1)) yield return "--lr-decay must be in (0, 1]";
        if (!(WeightAverageDecay >= 0 && WeightAverageDecay < 1)) yield return "--ema-decay must be in [0, 1) (0 = no averaging)";
        if (MaxShift is < 0 or > 8) yield return "--max-shift must be between 0 and 8 pixels";
        if (LimitTrain is < 1) yield return "--limit-train must be at least 1";
        if (LimitTest is < 1) yield return "--limit-test must be at least 1";
        if (InitFrom is { } initFrom && !File.Exists(initFrom)) yield return $"--init-from: no such file: {Path.GetFullPath(initFrom)}";
    }
}
