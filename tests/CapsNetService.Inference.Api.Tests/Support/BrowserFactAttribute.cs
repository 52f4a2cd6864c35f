namespace CapsNetService.Inference.Api.Tests.Support;

/// <summary>
/// A test that drives real headless Chromium. It runs only when <c>CAPSNET_BROWSER_TESTS=1</c> or
/// <c>CAPSNET_SLOW_TESTS=1</c> (CI sets the latter; it needs the Debian packages chromium and chromium-driver), so the
/// default <c>dotnet test</c> stays fast. Select these tests alone with <c>--filter Category=Browser</c>.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public const string Gate = "CAPSNET_BROWSER_TESTS";
    public const string SlowTestsGate = "CAPSNET_SLOW_TESTS";

    public BrowserFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Gate) != "1" && Environment.GetEnvironmentVariable(SlowTestsGate) != "1")
            Skip = $"headless Chromium test: set {Gate}=1 (or {SlowTestsGate}=1) to run it";
    }
}
