using System.Drawing;
using System.Globalization;
using OpenQA.Selenium;
using OpenQA.Selenium.Interactions;
using OpenQA.Selenium.Support.UI;

namespace CapsNetService.Inference.Api.Tests.wwwroot;

/// <summary>
/// The capsule explorer on the page at / in real headless Chromium: after a drawn digit is predicted, 16 sliders
/// appear; dragging one re-decodes the capsule through POST /reconstruct and the picture changes; the perturbation
/// grid comes from POST /explore, and a click on a tile moves its slider. Gated like <see cref="DrawingPageBrowserTests"/>
/// (<c>CAPSNET_BROWSER_TESTS=1</c>); <c>CAPSNET_EXPLORER_SCREENSHOT</c>, when set, is a file the test saves a
/// full-page screenshot to.
/// </summary>
public sealed class ExplorerPageBrowserTests
{
    [BrowserFact]
    [Trait("Category", "Browser")]
    public void Moving_a_slider_redraws_the_digit_and_the_grid_shows_every_dimension()
    {
        using var factory = new CapsNetApiFactory(TestModels.Directory);
        var address = factory.StartKestrel();
        using var profile = new TemporaryDirectory();
        using var driver = Chromium.Start(profile.Path);
        var js = (IJavaScriptExecutor)driver;
        var wait = new WebDriverWait(driver, Chromium.Patience);

        driver.Navigate().GoToUrl(new Uri(address, "/"));
        wait.Until(d => d.FindElements(By.CssSelector("#capsule-sliders input[type=range]")).Count == 16);
        Assert.False(driver.FindElement(By.Id("capsule-explorer")).Displayed); // nothing to explore before a prediction

        // Draw a "1" as the drawing-page test does, and wait for the answer.
        var pad = driver.FindElement(By.Id("pad"));
        new Actions(driver)
            .MoveToElement(pad, 0, -95).ClickAndHold()
            .MoveByOffset(2, 40).MoveByOffset(1, 40).MoveByOffset(0, 40).MoveByOffset(-1, 40).MoveByOffset(0, 30)
            .Release()
            .Perform();
        wait.Until(d => d.FindElement(By.Id("bars")).GetAttribute("data-state") == "done");
        var explorer = driver.FindElement(By.Id("capsule-explorer"));
        wait.Until(_ => explorer.Displayed);

        // 16 labelled sliders centred on the predicted digit's capsule; the picture is /predict's reconstruction.
        var digit = driver.FindElement(By.Id("digit")).Text;
        Assert.Equal(digit, explorer.GetAttribute("data-digit"));
        Assert.Equal(Enumerable.Range(0, 16).Select(d => $"d{d}"),
                     driver.FindElements(By.CssSelector("#capsule-sliders .slider-row label")).Select(l => l.Text));
        var sliders = driver.FindElements(By.CssSelector("#capsule-sliders input[type=range]"));
        Assert.All(sliders, s => Assert.Equal(("-0.5", "0.5", "0"), (s.GetAttribute("min"), s.GetAttribute("max"), s.GetAttribute("value"))));
        var picture = driver.FindElement(By.Id("explorer-reconstruction"));
        var before = picture.GetAttribute("src")!;
        Assert.Equal(driver.FindElement(By.Id("reconstruction")).GetAttribute("src"), before);
        Assert.Equal(driver.FindElement(By.Id("model-input")).GetAttribute("src"), driver.FindElement(By.Id("explorer-input")).GetAttribute("src"));

        // Drag d0's thumb from the centre most of the way to the right.
        var slider = sliders[0];
        new Actions(driver).ClickAndHold(slider).MoveByOffset(slider.Size.Width * 2 / 5, 0).Release().Perform();
        var value = double.Parse(slider.GetAttribute("value")!, CultureInfo.InvariantCulture);
        Assert.InRange(value, 0.2, 0.5);
        wait.Until(_ => picture.GetAttribute("src") != before && picture.GetAttribute("data-state") == "done");
        var after = picture.GetAttribute("src")!;
        Assert.StartsWith("data:image/png;base64,", after);
        Assert.True(CapsuleRequests.ChangedPixels(CapsuleRequests.GreyPixels(Base64(before)), CapsuleRequests.GreyPixels(Base64(after))) > 0);
        var row = driver.FindElement(By.CssSelector("#capsule-sliders .slider-row[data-dimension='0']"));
        Assert.Contains("moved", row.GetAttribute("class"));
        Assert.StartsWith("+", row.FindElement(By.CssSelector(".offset")).Text);
        Assert.DoesNotContain("error", driver.FindElement(By.Id("explorer-status")).GetAttribute("class") ?? "");

        // The perturbation grid: 16 × 11 tiles of 28 pixels, labelled. Shown at twice its size, it is taller than
        // the 800-pixel window: make the window hold the whole page, so that the pointer can reach every tile (and
        // the actions' offsets, taken from the centre of the element's visible part, are from its real centre).
        driver.Manage().Window.Size = new Size(1280, 2400);
        driver.FindElement(By.Id("explorer-grid-button")).Click();
        var grid = driver.FindElement(By.Id("explorer-grid-image"));
        wait.Until(_ => Convert.ToInt64(js.ExecuteScript("return arguments[0].complete ? arguments[0].naturalWidth : 0;", grid)) == 318);
        Assert.Equal(463L, Convert.ToInt64(js.ExecuteScript("return arguments[0].naturalHeight;", grid)));
        wait.Until(d => d.FindElements(By.CssSelector("#explorer-grid-frame .grid-label.row")).Count == 16);
        Assert.Equal(11, driver.FindElements(By.CssSelector("#explorer-grid-frame .grid-label.column")).Count);
        Assert.True(grid.Displayed);

        // A click on the last tile of row d2 moves d2's slider by +0.25, and the picture follows.
        var beforeClick = picture.GetAttribute("src");
        var scale = grid.Size.Width / 318.0;
        new Actions(driver).MoveToElement(grid, (int)((10 * 29 + 14) * scale) - grid.Size.Width / 2,
                                                (int)((2 * 29 + 14) * scale) - grid.Size.Height / 2).Click().Perform();
        wait.Until(_ => sliders[2].GetAttribute("value") != "0");
        Assert.Equal(0.25, double.Parse(sliders[2].GetAttribute("value")!, CultureInfo.InvariantCulture), 3);
        wait.Until(_ => picture.GetAttribute("src") != beforeClick && picture.GetAttribute("data-state") == "done");

        if (Environment.GetEnvironmentVariable("CAPSNET_EXPLORER_SCREENSHOT") is { Length: > 0 } screenshot)
        {
            ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(screenshot);
        }
    }

    private static string Base64(string dataUrl) => dataUrl[(dataUrl.IndexOf(',') + 1)..];
}
