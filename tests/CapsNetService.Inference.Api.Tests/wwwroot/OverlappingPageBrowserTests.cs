using OpenQA.Selenium;
using OpenQA.Selenium.Interactions;
using OpenQA.Selenium.Support.UI;

namespace CapsNetService.Inference.Api.Tests.wwwroot;

/// <summary>
/// The page's overlapping-digits mode in real headless Chromium: two digits drawn over each other on the pad go to
/// POST /predict/overlapping, and two digits, their two coloured reconstructions and the overlay appear; a chosen
/// 36×36 MultiMNIST pair goes the same way. Gated like <see cref="DrawingPageBrowserTests"/> (<c>CAPSNET_BROWSER_TESTS=1</c>)
/// and skipped without an overlapping-digits model; <c>CAPSNET_OVERLAPPING_SCREENSHOT</c>, when set, is a file the test
/// saves a screenshot to.
/// </summary>
public sealed class OverlappingPageBrowserTests
{
    [MultiMnistFact(Browser = true)]
    [Trait("Category", "Browser")]
    public void Two_overlapping_digits_drawn_or_chosen_show_two_digits_and_their_reconstructions()
    {
        using var models = TestModels.CopyToTemporaryDirectory();
        TestModels.CopyMultiMnistTo(models.Path);
        using var factory = new CapsNetApiFactory(models.Path);
        var address = factory.StartKestrel();
        using var profile = new TemporaryDirectory();
        using var driver = Chromium.Start(profile.Path);
        var wait = new WebDriverWait(driver, Chromium.Patience);

        driver.Navigate().GoToUrl(new Uri(address, "/"));
        wait.Until(d => d.FindElement(By.Id("model-version")).Text.Contains(TestModels.MultiMnistMetadata!.ModelVersion, StringComparison.Ordinal));
        var result = driver.FindElement(By.Id("overlapping-result"));
        Assert.False(result.Displayed);
        driver.FindElement(By.Id("mode-overlapping")).Click();
        Assert.True(result.Displayed);
        Assert.False(driver.FindElement(By.Id("digit")).Displayed); // the one-digit verdict gives way

        // A "1" down the middle, then a "0" around it, shifted to the right.
        var pad = driver.FindElement(By.Id("pad"));
        new Actions(driver)
            .MoveToElement(pad, -10, -95).ClickAndHold()
            .MoveByOffset(2, 45).MoveByOffset(1, 45).MoveByOffset(0, 45).MoveByOffset(-1, 45)
            .Release()
            .MoveToElement(pad, 20, -90).ClickAndHold()
            .MoveByOffset(-45, 30).MoveByOffset(-10, 60).MoveByOffset(10, 60).MoveByOffset(45, 30)
            .MoveByOffset(45, -30).MoveByOffset(10, -60).MoveByOffset(-10, -60).MoveByOffset(-45, -30)
            .Release()
            .Perform();
        AssertTwoDigitsShown(driver, wait);

        // A generated 36×36 pair chosen as a file (the drop zone's file input) goes the same way.
        var before = driver.FindElement(By.Id("overlay")).GetAttribute("src");
        var pair = Path.Combine(profile.Path, "pair.png");
        var sample = new byte[Common.MultiMnist.MultiMnistCanvas.Pixels];
        var a = new byte[sample.Length];
        var b = new byte[sample.Length];
        Common.MultiMnist.MultiMnistCanvas.Place(TestImages.Mnist.Image(3), 2, -1, a);
        Common.MultiMnist.MultiMnistCanvas.Place(TestImages.Mnist.Image(4), -3, 2, b);
        Common.MultiMnist.MultiMnistCanvas.Merge(a, b, sample);
        File.WriteAllBytes(pair, TestImages.MultiMnistPng(sample));
        driver.FindElement(By.Id("file")).SendKeys(pair);
        wait.Until(d => d.FindElement(By.Id("overlay")).GetAttribute("src") != before);
        AssertTwoDigitsShown(driver, wait);

        if (Environment.GetEnvironmentVariable("CAPSNET_OVERLAPPING_SCREENSHOT") is { Length: > 0 } screenshot)
            ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(screenshot);
    }

    private static void AssertTwoDigitsShown(IWebDriver driver, WebDriverWait wait)
    {
        wait.Until(d => d.FindElement(By.Id("overlapping-result")).GetAttribute("data-state") == "done");
        var first = driver.FindElement(By.Id("overlap-first-digit")).Text;
        var second = driver.FindElement(By.Id("overlap-second-digit")).Text;
        Assert.Matches("^[0-9]$", first);
        Assert.Matches("^[0-9]$", second);
        Assert.NotEqual(first, second);
        Assert.Equal(new[] { first, second }.Order(),
                     driver.FindElements(By.CssSelector("#bars .bar.top")).Select(bar => bar.GetAttribute("data-digit")).Order());
        foreach (var id in new[] { "overlap-input", "overlap-first", "overlap-second", "overlay" })
            Assert.StartsWith("data:image/png;base64,", driver.FindElement(By.Id(id)).GetAttribute("src"));
        Assert.DoesNotContain("error", driver.FindElement(By.Id("status")).GetAttribute("class") ?? "");
    }
}
