namespace CapsNetService.Inference.Api.Explorer;

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
    /// <exception cref="ApiProblem">A value is not a number.</exception>
    public static SweepOptions Parse(string? steps, string? range, string where)
    {
        int? s = null;
        double? r = null;
        if (steps is not null)
        {
            if (!int.TryParse(steps.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            {
                throw ApiProblem.InvalidOption(
                    $"steps ({where}) is '{Clip(steps)}', not an integer; it must be from {PerturbationSweep.MinSteps} to {PerturbationSweep.MaxSteps}.");
            }
            s = value;
        }
        if (range is not null)
        {
            if (!double.TryParse(range.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            {
                throw ApiProblem.InvalidOption(
                    $"range ({where}) is '{Clip(range)}', not a number; it must be above 0 and at most {PerturbationSweep.MaxRange.ToString(CultureInfo.InvariantCulture)}.");
            }
            r = value;
        }
        return new SweepOptions(s, r, where);
    }

    /// <summary>The sweep both sources ask for together; an option given in both is refused (whichever won would surprise someone).</summary>
    /// <exception cref="ApiProblem">An option is given in both, or is out of its bounds.</exception>
    public static PerturbationSweep Resolve(SweepOptions first, SweepOptions second)
    {
        if (first.Steps is not null && second.Steps is not null)
            throw ApiProblem.InvalidOption($"steps is given both {first.Where} and {second.Where}; give it once.");
        if (first.Range is not null && second.Range is not null)
            throw ApiProblem.InvalidOption($"range is given both {first.Where} and {second.Where}; give it once.");
        return PerturbationSweep.TryCreate(first.Steps ?? second.Steps, first.Range ?? second.Range, out var sweep, out var error)
            ? sweep
            : throw ApiProblem.InvalidOption(error!);
    }

    private static string Clip(string text)
    {
        var clean = new string(text.Where(c => !char.IsControl(c)).ToArray());
        return clean.Length <= 20 ? clean : clean[..20] + "…";
    }
}
