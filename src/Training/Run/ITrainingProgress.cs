using CapsNetService.Training.Export;

namespace CapsNetService.Training.Run;

/// <summary>How a run shows itself while it works (a console progress bar, or nothing in tests).</summary>
public interface ITrainingProgress
{
    /// <summary>Runs <paramref name="work"/> under a progress display of <paramref name="steps"/> steps;
    /// the work calls the given callback once per step with a short status line.</summary>
    void Track(string title, int steps, Action<Action<string>> work);

    void EpochCompleted(EpochMetrics metrics, ConfusionMatrix confusion);

    /// <summary>Training ended: the best epoch and where the run's files are.</summary>
    void RunCompleted(TrainingResult result);

    void Exported(ExportResult export);

    void Log(string message);
}
