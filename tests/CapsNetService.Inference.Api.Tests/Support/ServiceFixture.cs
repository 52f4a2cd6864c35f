namespace CapsNetService.Inference.Api.Tests.Support;

/// <summary>One running service on the test model (read-only), shared by the tests of a collection or a class:
/// with the default settings (the "service" collection), or with <see cref="SmallLimits"/>.</summary>
public class ServiceFixture : IDisposable
{
    public ServiceFixture() : this(null)
    {
    }

    protected ServiceFixture(IReadOnlyDictionary<string, string>? settings)
    {
        Factory = new CapsNetApiFactory(TestModels.Directory, settings);
        Client = Factory.CreateClient();
    }

    public CapsNetApiFactory Factory { get; }
    public HttpClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        Factory.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The service with small upload limits, so that limit tests need no large requests.</summary>
    public sealed class SmallLimits() : ServiceFixture(new Dictionary<string, string>
    {
        ["Uploads:MaxRequestBytes"] = MaxRequestBytes.ToString(),
        ["Uploads:MaxBatchImages"] = MaxBatchImages.ToString(),
        ["Uploads:MaxImageWidth"] = MaxImageSide.ToString(),
        ["Uploads:MaxImageHeight"] = MaxImageSide.ToString(),
    })
    {
        public const int MaxRequestBytes = 64 * 1024;
        public const int MaxBatchImages = 3;
        public const int MaxImageSide = 1000;
    }
}

[CollectionDefinition(Name)]
public sealed class ServiceCollection : ICollectionFixture<ServiceFixture>
{
    public const string Name = "service";
}
