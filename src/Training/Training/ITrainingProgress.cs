namespace CapsNetService.Training.Training;

/// <summary>How a run shows itself while it works (a console progress bar, or nothing in tests).</summary>
public interface ITrainingProgress
{
    /// <summary>Runs <paramref name="work"/> under a progress display of <paramref name="steps"/> steps;
    /// the work calls the given callback once per step with a short status line.</summary>
    void Track(string title, int steps, Action<Action<string>> work);

    void EpochCompleted(EpochMetrics metrics, ConfusionMatrix confusion);

    void Log(string message);
}

public sealed class SilentTrainingProgress : ITrainingProgress
{
    public static readonly SilentTrainingProgress Instance = new();
    public void Track(string title, int steps, Action<Action<string>> work) => work(_ => { });
    public void EpochCompleted(EpochMetrics metrics, ConfusionMatrix confusion) { }
    public void Log(string message) { }
}
