
namespace CapsNetService.Inference.Api.Explorer;

/// <summary>
/// The offsets added to one capsule dimension at a time: <see cref="Steps"/> values evenly spaced from −<see cref="Range"/>
/// to +<see cref="Range"/>. The default, −0.25…0.25 in 11 steps of 0.05, is the paper's (Sabour et al. 2017, Figure 4).
/// When <see cref="Steps"/> is odd the middle offset is exactly 0: that column is the plain reconstruction.
/// </summary>
public sealed class PerturbationSweep
{
    public const int DefaultSteps = 11;
    public const int MinSteps = 2;
    public const int MaxSteps = 21;
    public const double DefaultRange = 0.25;
    public const double MaxRange = 1;

    public static PerturbationSweep Default { get; } = new(DefaultSteps, DefaultRange);

    private PerturbationSweep(int steps, double range)
    {
        Steps = steps;
        Range = range;
        // (2k − (steps − 1)) / (steps − 1) is exact in its numerator, so the offsets are symmetric and the middle one is 0.
        Offsets = Enumerable.Range(0, steps).Select(k => (float)(range * (2 * k - (steps - 1)) / (steps - 1))).ToArray();
    }

    public int Steps { get; }

    public double Range { get; }

    public float[] Offsets { get; }

    /// <summary>The column whose offset is 0, when there is one (odd <see cref="Steps"/>).</summary>
    public int? ZeroColumn => Steps % 2 == 1 ? Steps / 2 : null;

    /// <summary>The sweep for the options a request gave (null: the default), or why they are refused.</summary>
    public static bool TryCreate(int? steps, double? range, out PerturbationSweep sweep, out string? error)
    {
        int s = steps ?? DefaultSteps;
        double r = range ?? DefaultRange;
        sweep = Default;
        if (s is < MinSteps or > MaxSteps)
        {
            error = $"steps is {s}; it must be an integer from {MinSteps} to {MaxSteps} (offsets per dimension).";
            return false;
        }
        if (!(r > 0 && r <= MaxRange))
        {
            error = $"range is {r.ToString(CultureInfo.InvariantCulture)}; it must be above 0 and at most "
                    + $"{MaxRange.ToString(CultureInfo.InvariantCulture)} (each dimension is moved from −range to +range).";
            return false;
        }
        error = null;
        if (s != DefaultSteps || r != DefaultRange) sweep = new PerturbationSweep(s, r);
        return true;
    }
}
