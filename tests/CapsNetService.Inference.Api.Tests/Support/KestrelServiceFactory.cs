using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace CapsNetService.Inference.Api.Tests.Support;

/// <summary>The service on a real socket (Kestrel on 127.0.0.1, a free port), for a browser to reach.</summary>
public sealed class KestrelServiceFactory : CapsNetApiFactory
{
    public KestrelServiceFactory(string modelDirectory) : base(modelDirectory)
    {
        UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, 0));
    }

    /// <summary>Starts the server and returns its address, e.g. http://127.0.0.1:41234.</summary>
    public Uri Start()
    {
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First());
    }
}
