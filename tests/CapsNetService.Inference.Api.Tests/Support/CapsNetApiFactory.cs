using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CapsNetService.Inference.Api.Tests.Support;

/// <summary>
/// The real service (Program) on a given models folder, with configuration overrides; ONNX Runtime runs for real (CPU
/// here). In memory by default (<c>CreateClient</c>); on a real socket after <see cref="StartKestrel"/>, for a browser
/// or a raw TCP client to reach. Settings are applied with UseSetting, so they reach the options exactly as
/// appsettings would.
/// </summary>
public class CapsNetApiFactory(string modelDirectory, IReadOnlyDictionary<string, string>? settings = null)
    : WebApplicationFactory<Program>
{
    public string ModelDirectory { get; } = modelDirectory;

    /// <summary>Starts Kestrel on 127.0.0.1 (a free port) and returns its address, e.g. http://127.0.0.1:41234.</summary>
    /// <param name="configure">Kestrel settings of the test (a stricter minimum data rate, say).</param>
    public Uri StartKestrel(Action<KestrelServerOptions>? configure = null)
    {
        UseKestrel(options =>
        {
            options.Listen(System.Net.IPAddress.Loopback, 0);
            configure?.Invoke(options);
        });
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First());
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Inference:ModelDirectory", ModelDirectory);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            builder.UseSetting(key, value);
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
    }
}
