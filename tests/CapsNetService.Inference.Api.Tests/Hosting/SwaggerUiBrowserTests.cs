using OpenQA.Selenium;
using OpenQA.Selenium.Support.UI;

namespace CapsNetService.Inference.Api.Tests.Hosting;

/// <summary>Swagger UI's form for POST /predict uploads a real PNG and shows the answer (headless Chromium; gated
/// like <see cref="DrawingPageBrowserTests"/>).</summary>
public sealed class SwaggerUiBrowserTests
{
    [BrowserFact]
    [Trait("Category", "Browser")]
    public void The_predict_form_uploads_a_file()
    {
        using var factory = new CapsNetApiFactory(TestModels.Directory);
        var address = factory.StartKestrel();
        using var profile = new TemporaryDirectory();
        var png = Path.Combine(profile.Path, "seven.png");
        File.WriteAllBytes(png, TestImages.MnistPng(0));
        using var driver = Chromium.Start(Path.Combine(profile.Path, "chrome"));
        var wait = new WebDriverWait(driver, Chromium.Patience);

        driver.Navigate().GoToUrl(new Uri(address, "/swagger/index.html"));
        var operation = wait.Until(d => d.FindElements(By.Id("operations-Prediction-Predict")).FirstOrDefault());
        operation!.FindElement(By.CssSelector(".opblock-summary")).Click();
        wait.Until(_ => operation.FindElements(By.CssSelector(".try-out__btn")).FirstOrDefault())!.Click();
        wait.Until(_ => operation.FindElements(By.CssSelector("input[type=file]")).FirstOrDefault())!.SendKeys(png);
        operation.FindElement(By.CssSelector(".execute")).Click();

        var status = wait.Until(_ => operation.FindElements(By.CssSelector(".live-responses-table tr.response .response-col_status")).FirstOrDefault());
        Assert.Equal("200", status!.Text.Trim());
        var body = operation.FindElement(By.CssSelector(".live-responses-table tr.response .response-col_description")).Text;
        Assert.Contains("\"digit\"", body);
        Assert.Contains(TestModels.Metadata.ModelVersion, body);
    }
}
