namespace CapsNetService.Inference.Api.Tests.Support;

/// <summary>One running service on the test model (read-only), shared by the tests of the "service" collection.</summary>
public sealed class ServiceFixture : IDisposable
{
    public ServiceFixture()
    {
        Factory = new CapsNetApiFactory(TestModels.Directory);
        Client = Factory.CreateClient();
    }

    public CapsNetApiFactory Factory { get; }
    public HttpClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        Factory.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ServiceCollection : ICollectionFixture<ServiceFixture>
{
    public const string Name = "service";
}
