namespace CapsNetService.Inference.Api.Tests.Support;

/// <summary>The service with small upload limits, so that limit tests need no large requests.</summary>
public sealed class LimitedServiceFixture : IDisposable
{
    public const int MaxRequestBytes = 64 * 1024;
    public const int MaxBatchImages = 3;
    public const int MaxImageSide = 1000;

    public LimitedServiceFixture()
    {
        Factory = new CapsNetApiFactory(TestModels.Directory, new Dictionary<string, string>
        {
            ["Uploads:MaxRequestBytes"] = MaxRequestBytes.ToString(),
            ["Uploads:MaxBatchImages"] = MaxBatchImages.ToString(),
            ["Uploads:MaxImageWidth"] = MaxImageSide.ToString(),
            ["Uploads:MaxImageHeight"] = MaxImageSide.ToString(),
        });
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
