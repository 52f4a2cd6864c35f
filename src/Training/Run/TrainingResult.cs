namespace CapsNetService.Training.Run;

public sealed record TrainingResult(string RunDirectory, string BestCheckpoint, string LastCheckpoint,
                                    IReadOnlyList<EpochMetrics> History);
