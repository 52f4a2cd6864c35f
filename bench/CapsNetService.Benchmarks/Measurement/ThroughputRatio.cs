namespace CapsNetService.Benchmarks.Measurement;

/// <summary>
/// The serving efficiency: what the service delivered (requests/s, one image each) against what ONNX Runtime alone
/// does with the same model at the batch size the micro-batcher formed. The batcher's mean batch is rarely a whole
/// number, so the raw rate is interpolated linearly between the two whole batch sizes around it.
/// </summary>
public static class ThroughputRatio
{
    /// <summary>The two whole batch sizes to measure for a mean batch of <paramref name="meanBatch"/> (the same one twice when it is whole).</summary>
    public static (int Lower, int Upper) Bracket(double meanBatch)
    {
        if (!(meanBatch >= 1) || double.IsInfinity(meanBatch))
            throw new ArgumentOutOfRangeException(nameof(meanBatch), meanBatch, "a mean batch size is at least 1");
        int lower = (int)Math.Floor(meanBatch);
        return (lower, meanBatch == lower ? lower : lower + 1);
    }

    /// <summary>Images/s at <paramref name="meanBatch"/>, between the rates measured at <see cref="Bracket"/>'s two sizes.</summary>
    public static double RawAt(double meanBatch, double lowerImagesPerSecond, double upperImagesPerSecond)
    {
        var (lower, upper) = Bracket(meanBatch);
        if (upper == lower) return lowerImagesPerSecond;
        return lowerImagesPerSecond + (meanBatch - lower) * (upperImagesPerSecond - lowerImagesPerSecond);
    }

    /// <summary>Service requests/s ÷ raw images/s (NaN when either is not a positive number).</summary>
    public static double Efficiency(double serviceRequestsPerSecond, double rawImagesPerSecond) =>
        serviceRequestsPerSecond >= 0 && rawImagesPerSecond > 0 ? serviceRequestsPerSecond / rawImagesPerSecond : double.NaN;

    /// <summary>
    /// The same ratio per core-second of CPU: (service requests/s ÷ the cores the service used) ÷ (raw images/s ÷ the
    /// cores the raw calls used). On a machine shared with other work each side gets whatever CPU the scheduler gives
    /// it, so the plain ratio mixes the request path's cost with luck; this one compares the work per CPU second.
    /// </summary>
    public static double EfficiencyPerCore(double serviceRequestsPerSecond, double serviceCores, double rawImagesPerSecond, double rawCores) =>
        serviceCores > 0 && rawCores > 0 ? Efficiency(serviceRequestsPerSecond / serviceCores, rawImagesPerSecond / rawCores) : double.NaN;

    /// <summary>Arrival rates for an open-loop run: each fraction of the measured capacity (requests/s).</summary>
    public static double[] Rates(double capacity, IEnumerable<double> fractions) =>
        capacity > 0 ? fractions.Select(f => f * capacity).ToArray() : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "no capacity measured");
}
