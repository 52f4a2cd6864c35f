using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace CapsNetService.Inference.Api.Tests.Support;

/// <summary>
/// The real service (Program) in memory, on a given models folder, with configuration overrides; ONNX Runtime runs
/// for real (CPU here). Settings are applied with UseSetting, so they reach the options exactly as appsettings would.
/// </summary>
public class CapsNetApiFactory(string modelDirectory, IReadOnlyDictionary<string, string>? settings = null)
    : WebApplicationFactory<Program>
{
    public string ModelDirectory { get; } = modelDirectory;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Inference:ModelDirectory", ModelDirectory);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            builder.UseSetting(key, value);
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
    }
}
