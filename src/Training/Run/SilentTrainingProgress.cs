using CapsNetService.Training.Export;

namespace CapsNetService.Training.Run;

/// <summary>Shows nothing: for tests and library use.</summary>
public sealed class SilentTrainingProgress : ITrainingProgress
{
    public static readonly SilentTrainingProgress Instance = new();
    public void Track(string title, int steps, Action<Action<string>> work) => work(_ => { });
    public void EpochCompleted(EpochMetrics metrics, ConfusionMatrix confusion) { }
    public void RunCompleted(TrainingResult result) { }
    public void Exported(ExportResult export) { }
    public void Log(string message) { }
}
