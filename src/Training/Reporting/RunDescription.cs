using CapsNetService.Training.Run;

namespace CapsNetService.Training.Reporting;

/// <summary>What a training run was asked to do and where it ran, shown at the top of the report and stored in
/// metrics.json.</summary>
/// <param name="Options">The run's options, as recorded (<see cref="TrainOptions.Recorded"/>).</param>
/// <param name="Command">The command line that gives those options (<see cref="TrainOptions.CommandLine"/>).</param>
/// <param name="Device">Where the tensors live, e.g. "cuda (1 device(s))" or "cpu (2 threads)".</param>
/// <param name="ValidationImages">Training images held out to choose the best epoch (the last of the set); 0 = none.</param>
/// <param name="InitializedFrom">The weights the run started from (model version and epochs); null for random weights.</param>
public sealed record RunDescription(
    TrainOptions Options,
    string Command,
    string Device,
    int TrainImages,
    int TestImages,
    DateTimeOffset StartedAt,
    string? InitializedFrom = null,
    int ValidationImages = 0);
