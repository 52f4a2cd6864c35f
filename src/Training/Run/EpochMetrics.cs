namespace CapsNetService.Training.Run;

/// <summary>One row of the training history: what an epoch did, as written to metrics.csv and metrics.json.</summary>
public sealed record EpochMetrics
{
    public required int Epoch { get; init; }
    public required double LearningRate { get; init; }
    public required double TrainLoss { get; init; }
    public required double TrainAccuracy { get; init; }
    /// <summary>For MultiMNIST, <see cref="TestAccuracy"/> and <see cref="ValidationAccuracy"/> are the share of images
    /// whose two digits are both found, and the test pairs are evaluated only in the epochs that become the best on
    /// validation (NaN in the others): the kept checkpoint always has its test figures.</summary>
    public required double TestLoss { get; init; }
    public required double TestAccuracy { get; init; }
    /// <summary>MultiMNIST: the share of test images with at least one of their two digits found; null for MNIST.</summary>
    public double? TestAtLeastOneAccuracy { get; init; }
    public double TestError => 1 - TestAccuracy;
    /// <summary>With weight averaging on, <see cref="TestAccuracy"/> is the averaged weights'; this is the live
    /// (last step's) weights', for comparison. Null when averaging is off.</summary>
    public double? UnaveragedTestAccuracy { get; init; }
    /// <summary>On the held-out training images (<see cref="TrainOptions.Validation"/>); null when none are held out.
    /// With them, the best epoch is chosen by this, never by the test set.</summary>
    public double? ValidationLoss { get; init; }
    public double? ValidationAccuracy { get; init; }
    public double? ValidationError => 1 - ValidationAccuracy;
    /// <summary>MultiMNIST: the share of validation images with at least one of their two digits found; null for MNIST.</summary>
    public double? ValidationAtLeastOneAccuracy { get; init; }
    public required double EpochSeconds { get; init; }
    public required double TrainImagesPerSecond { get; init; }
}
