using CapsNetService.Training.Training;

namespace CapsNetService.Training.Reporting;

/// <summary>The epoch with the lowest test error so far (the earliest one on a tie).</summary>
internal static class BestEpoch
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
