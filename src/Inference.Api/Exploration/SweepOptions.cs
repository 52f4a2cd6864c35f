using System.Globalization;

namespace CapsNetService.Inference.Api.Exploration;

/// <summary>
/// The <c>steps</c> and <c>range</c> a request gave for POST /explore, from one place (the query string, the JSON
/// body or the form), before they are checked against their bounds by <see cref="PerturbationSweep.TryCreate"/>.
/// </summary>
/// <param name="Where">Where they came from, for problem details ("in the query").</param>
public sealed record SweepOptions(int? Steps, double? Range, string Where)
{
    public const string StepsName = "steps";
    public const string RangeName = "range";

    public static SweepOptions None(string where) => new(null, null, where);

    /// <summary>Reads text values (query string or form fields); null when absent.</summary>
    public static bool TryParse(string? steps, string? range, string where, out SweepOptions options, out string? error)
    {
        options = None(where);
        int? s = null;
        double? r = null;
        if (steps is not null)
        {
            if (!int.TryParse(steps.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            {
                error = $"steps ({where}) is '{Clip(steps)}', not an integer; it must be from {PerturbationSweep.MinSteps} to {PerturbationSweep.MaxSteps}.";
                return false;
            }
            s = value;
        }
        if (range is not null)
        {
            if (!double.TryParse(range.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            {
                error = $"range ({where}) is '{Clip(range)}', not a number; it must be above 0 and at most {PerturbationSweep.MaxRange.ToString(CultureInfo.InvariantCulture)}.";
                return false;
            }
            r = value;
        }
        options = new SweepOptions(s, r, where);
        error = null;
        return true;
    }

    /// <summary>The sweep both sources ask for together; an option given in both is refused (whichever won would surprise someone).</summary>
    public static bool TryResolve(SweepOptions first, SweepOptions second, out PerturbationSweep sweep, out string? error)
    {
        sweep = PerturbationSweep.Default;
        if (first.Steps is not null && second.Steps is not null)
        {
            error = $"steps is given both {first.Where} and {second.Where}; give it once.";
            return false;
        }
        if (first.Range is not null && second.Range is not null)
        {
            error = $"range is given both {first.Where} and {second.Where}; give it once.";
            return false;
        }
        return PerturbationSweep.TryCreate(first.Steps ?? second.Steps, first.Range ?? second.Range, out sweep, out error);
    }

    private static string Clip(string text)
    {
        var clean = new string(text.Where(c => !char.IsControl(c)).ToArray());
        return clean.Length <= 20 ? clean : clean[..20] + "…";
    }
}
