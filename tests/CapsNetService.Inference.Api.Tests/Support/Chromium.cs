using OpenQA.Selenium.Chrome;

namespace CapsNetService.Inference.Api.Tests.Support;

/// <summary>Headless Chromium through chromedriver, from Debian's chromium and chromium-driver (or CHROME_BIN and
/// CHROMEDRIVER), with the flags for a machine without network, in a fresh profile.</summary>
public static class Chromium
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static ChromeDriver Start(string profile)
    {
        var options = new ChromeOptions
        {
            BinaryLocation = Environment.GetEnvironmentVariable("CHROME_BIN") is { Length: > 0 } bin ? bin : "/usr/bin/chromium",
        };
        options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--window-size=1100,800", $"--user-data-dir={profile}");
        var driverPath = Environment.GetEnvironmentVariable("CHROMEDRIVER") is { Length: > 0 } path ? path : "/usr/bin/chromedriver";
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(driverPath)!, Path.GetFileName(driverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        return new ChromeDriver(service, options, Patience);
    }
}
