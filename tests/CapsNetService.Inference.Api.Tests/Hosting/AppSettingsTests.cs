using System.Net;

namespace CapsNetService.Inference.Api.Tests.Hosting;

/// <summary>
/// The service reads the appsettings.json beside it whatever its working directory. Started from another folder (the
/// repository root, say) it read none, and so logged every request at Information: 14 MB in 6 minutes of load (issue 20).
/// </summary>
public sealed class AppSettingsTests
{
    [Fact]
    public async Task Started_from_another_folder_it_logs_no_request_at_Information()
    {
        using var elsewhere = new TemporaryDirectory();
        var logPath = Path.Combine(elsewhere.Path, "service.log");
        await using (var service = ServiceProcess.Start("dotnet", Path.Combine(AppContext.BaseDirectory, "capsnet-api.dll"),
                         TestModels.Directory, [], logPath, workingDirectory: elsewhere.Path, ownLogLevels: true))
        {
            await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), CancellationToken.None);
            using var client = new HttpClient { BaseAddress = service.Url };
            using var form = UploadForms.Image(TestImages.MnistPng(0));
            using (var predicted = await client.PostAsync("/predict", form)) Assert.Equal(HttpStatusCode.OK, predicted.StatusCode);
            using (var missing = await client.GetAsync("/no-such-page")) Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        var log = File.ReadAllText(logPath);
        Assert.Contains("Now listening on", log);   // start-up lines still come at Information
        Assert.Contains("is serving on", log);
        Assert.DoesNotContain("Request starting", log);
        Assert.DoesNotContain("Request finished", log);
        Assert.DoesNotContain("info: Microsoft.AspNetCore", log);
    }
}
