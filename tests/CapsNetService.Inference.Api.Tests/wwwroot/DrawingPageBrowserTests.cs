using System.Globalization;
using OpenQA.Selenium;
using OpenQA.Selenium.Interactions;
using OpenQA.Selenium.Support.UI;

namespace CapsNetService.Inference.Api.Tests.wwwroot;

/// <summary>
/// The drawing page in real headless Chromium (Debian's chromium and chromium-driver): a stroke drawn with the
/// pointer on the canvas is sent to /predict, and the 10 bars, the model input and the reconstruction appear.
/// Gated by <see cref="BrowserFactAttribute"/>: <c>CAPSNET_BROWSER_TESTS=1</c>. <c>CAPSNET_BROWSER_SCREENSHOT</c>,
/// when set, is a file the test saves a screenshot of the page to.
/// </summary>
public sealed class DrawingPageBrowserTests
{
    [BrowserFact]
    [Trait("Category", "Browser")]
    public void Drawing_a_stroke_shows_the_bars_and_the_reconstruction()
    {
        using var factory = new CapsNetApiFactory(TestModels.Directory);
        var address = factory.StartKestrel();
        using var profile = new TemporaryDirectory();
        using var driver = Chromium.Start(profile.Path);

        driver.Navigate().GoToUrl(new Uri(address, "/"));
        var wait = new WebDriverWait(driver, Chromium.Patience);
        wait.Until(d => d.FindElements(By.CssSelector("#bars .bar")).Count == 10);
        wait.Until(d => d.FindElement(By.Id("model-version")).Text.Contains(TestModels.Metadata.ModelVersion, StringComparison.Ordinal));

        // A long vertical stroke down the middle of the pad: a "1".
        var pad = driver.FindElement(By.Id("pad"));
        new Actions(driver)
            .MoveToElement(pad, 0, -95).ClickAndHold()
            .MoveByOffset(2, 40).MoveByOffset(1, 40).MoveByOffset(0, 40).MoveByOffset(-1, 40).MoveByOffset(0, 30)
            .Release()
            .Perform();

        wait.Until(d => d.FindElement(By.Id("bars")).GetAttribute("data-state") == "done");

        var bars = driver.FindElements(By.CssSelector("#bars .bar"));
        Assert.Equal(10, bars.Count);
        var values = bars.Select(b => float.Parse(b.GetAttribute("data-value")!, CultureInfo.InvariantCulture)).ToArray();
        Assert.All(values, v => Assert.InRange(v, 0f, 1f));
        var top = Assert.Single(driver.FindElements(By.CssSelector("#bars .bar.top")));
        var digit = int.Parse(driver.FindElement(By.Id("digit")).Text, CultureInfo.InvariantCulture);
        Assert.Equal(digit.ToString(CultureInfo.InvariantCulture), top.GetAttribute("data-digit"));
        Assert.Equal(Array.IndexOf(values, values.Max()), digit);
        var js = (IJavaScriptExecutor)driver;
        // Every bar is drawn as long as its value says, once its transition ends (a fill that does not lay out
        // would stay 0 pixels wide).
        double[][] widths = [];
        wait.Until(_ =>
        {
            var measured = js.ExecuteScript(
                "return Array.from(document.querySelectorAll('#bars .bar')).map(b => [b.querySelector('.bar-fill').getBoundingClientRect().width, b.querySelector('.bar-track').getBoundingClientRect().width]);");
            widths = ((IEnumerable<object>)measured!).Cast<IEnumerable<object>>().Select(p => p.Select(Convert.ToDouble).ToArray()).ToArray();
            return widths.Select((w, d) => Math.Abs(w[0] - values[d] * w[1]) <= 2).All(ok => ok);
        });
        Assert.True(widths[digit][0] > 10);

        foreach (var id in new[] { "reconstruction", "model-input" })
        {
            var image = driver.FindElement(By.Id(id));
            Assert.StartsWith("data:image/png;base64,", image.GetAttribute("src"));
            wait.Until(_ => Convert.ToInt64(js.ExecuteScript("return arguments[0].complete ? arguments[0].naturalWidth : 0;", image)) == 28);
            Assert.True(image.Displayed);
        }
        Assert.DoesNotContain("error", driver.FindElement(By.Id("status")).GetAttribute("class") ?? "");
        if (TestModels.IsTrained) Assert.Equal(1, digit);

        if (Environment.GetEnvironmentVariable("CAPSNET_BROWSER_SCREENSHOT") is { Length: > 0 } screenshot)
            ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(screenshot);
    }
}
