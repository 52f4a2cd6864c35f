using CapsNetService.Training.Model;

namespace CapsNetService.Training.Reporting;

/// <summary>What a training run was asked to do, shown at the top of the report and stored in metrics.json.</summary>
/// <param name="Command">The command line that started the run, as typed.</param>
/// <param name="InitializedFrom">The weights the run started from (model version and epochs); null for random weights.</param>
/// <param name="Device">Where the tensors live, e.g. "cuda:0 (NVIDIA H200)" or "cpu".</param>
public sealed record RunDescription(
    string Command,
    string Device,
    int Seed,
    int BatchSize,
    int RoutingIterations,
    double InitialLearningRate,
    double LearningRateDecay,
    int TrainImages,
    int TestImages,
    DateTimeOffset StartedAt,
    ConvolutionPrecision Precision = ConvolutionPrecision.Fp32,
    string? InitializedFrom = null);
