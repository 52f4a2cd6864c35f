namespace CapsNetService.Training.Run;

/// <summary>The one rule for "best": the epoch with the lowest validation error so far when the run holds out
/// validation images (<see cref="TrainOptions.Validation"/>), else the lowest test error; the earliest one on a tie,
/// NaN never wins. The best checkpoint, the export, the report and the console all use it.</summary>
public static class BestEpoch
{
    public static EpochMetrics? Of(IReadOnlyList<EpochMetrics> history)
    {
        bool validated = history.Any(e => e.ValidationAccuracy is not null);
        EpochMetrics? best = null;
        foreach (var epoch in history)
        {
            double error = validated ? epoch.ValidationError ?? double.NaN : epoch.TestError;
            if (double.IsNaN(error)) continue;
            if (best is null || error < (validated ? best.ValidationError!.Value : best.TestError)) best = epoch;
        }
        return best;
    }

    /// <summary>What "best" is chosen by in <paramref name="history"/>, for people: "validation" or "test".</summary>
    public static string Criterion(IReadOnlyList<EpochMetrics> history) =>
        history.Any(e => e.ValidationAccuracy is not null) ? "validation" : "test";
}
