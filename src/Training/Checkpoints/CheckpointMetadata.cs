using CapsNetService.Training.Run;
using CapsNetService.Training.Model;

namespace CapsNetService.Training.Checkpoints;

/// <summary>What a checkpoint says about the run it came from.</summary>
public sealed record CheckpointMetadata
{
    /// <summary>2: <see cref="Options"/> holds the run's <see cref="TrainOptions"/>. A format-1 checkpoint is read
    /// too: its "settings" become the options.</summary>
    public const int CurrentFormat = 2;
    public int Format { get; init; } = CurrentFormat;
    /// <summary>Epochs completed when it was written.</summary>
    public required int Epoch { get; init; }
    public required CapsNetArchitecture Architecture { get; init; }
    /// <summary>What the weights were trained on; a checkpoint that does not say is MNIST's.</summary>
    public TrainingDataset Dataset { get; init; } = TrainingDataset.Mnist;
    /// <summary>The network the weights belong to: a CNN's never load as a CapsNet's. A checkpoint that does not say
    /// holds a CapsNet.</summary>
    public ModelChoice Model { get; init; } = ModelChoice.CapsNet;
    /// <summary>The options of the run that wrote it, as recorded (no absolute paths).</summary>
    public required TrainOptions Options { get; init; }
    public required IReadOnlyList<EpochMetrics> History { get; init; }
    public required string Device { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset SavedAt { get; init; }
    public string ProducerVersion { get; init; } = Producer.Version;
    /// <summary>The weights the run started from; null when they were random. <see cref="Epoch"/> counts its epochs too.</summary>
    public InitialWeights? InitializedFrom { get; init; }
}
