namespace CapsNetService.Benchmarks.Measurement;

/// <summary>Timings of repeated runs of one thing, in milliseconds, with the order statistics we report.</summary>
public sealed class Samples
{
    private readonly double[] inOrder, sorted;

    public Samples(IEnumerable<double> milliseconds)
    {
        inOrder = milliseconds.ToArray();
        sorted = inOrder.Order().ToArray();
        if (sorted.Length == 0) throw new ArgumentException("no samples", nameof(milliseconds));
    }

    /// <summary>The samples in the order they were taken.</summary>
    public double[] Values => (double[])inOrder.Clone();

    public int Count => sorted.Length;
    public double Min => sorted[0];
    public double Max => sorted[^1];
    public double Median => Percentile(50);
    public double P10 => Percentile(10);
    public double P90 => Percentile(90);
    public double P99 => Percentile(99);

    /// <summary>Linear interpolation between the closest ranks (as numpy's default); with few samples p10/p90
    /// lie between the two smallest/largest values rather than on an outlier.</summary>
    public double Percentile(double p)
    {
        if (sorted.Length == 1) return sorted[0];
        double rank = p / 100 * (sorted.Length - 1);
        int lower = (int)Math.Floor(rank);
        int upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + (rank - lower) * (sorted[upper] - sorted[lower]);
    }
}
