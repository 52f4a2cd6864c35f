namespace CapsNetService.Tests;

/// <summary>
/// A slow end-to-end test (real processes, full datasets, browsers): skipped unless CAPSNET_SLOW_TESTS=1,
/// so that a plain <c>dotnet test</c> stays quick. CI sets the variable and runs them.
/// </summary>
public sealed class SlowFactAttribute : FactAttribute
{
    public const string Variable = "CAPSNET_SLOW_TESTS";

    public SlowFactAttribute()
    {
        if (!Enabled) Skip = $"slow end-to-end test; set {Variable}=1 to run it";
    }

    public static bool Enabled => Environment.GetEnvironmentVariable(Variable) == "1";
}
