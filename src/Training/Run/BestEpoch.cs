namespace CapsNetService.Training.Run;

/// <summary>The one rule for "best": the epoch with the lowest test error so far (the earliest one on a tie;
/// NaN never wins). The best checkpoint, the export, the report and the console all use it.</summary>
public static class BestEpoch
{
    public static EpochMetrics? Of(IReadOnlyList<EpochMetrics> history)
    {
        EpochMetrics? best = null;
        foreach (var epoch in history)
        {
            if (double.IsNaN(epoch.TestError)) continue;
            if (best is null || epoch.TestError < best.TestError) best = epoch;
        }
        return best;
    }
}
