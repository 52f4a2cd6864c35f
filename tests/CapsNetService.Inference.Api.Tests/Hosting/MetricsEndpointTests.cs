
namespace CapsNetService.Inference.Api.Tests.Hosting;

/// <summary>GET /metrics: Prometheus text with the HTTP metrics by endpoint and status, and the service's own.</summary>
[Collection(ServiceCollection.Name)]
public sealed class MetricsEndpointTests(ServiceFixture service)
{
    [Fact]
    public async Task Lists_request_inference_batch_and_reload_metrics_after_a_prediction()
    {
        using (var prediction = await service.Client.PostImage(TestImages.MnistPng(0))) prediction.EnsureSuccessStatusCode();
        using (var refused = await service.Client.PostImage(TestImages.Blank())) Assert.Equal(422, (int)refused.StatusCode);

        using var response = await service.Client.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var metrics = await response.Content.ReadAsStringAsync();

        Assert.Contains($"{InferenceMetrics.InferenceDurationName}_bucket", metrics);
        Assert.Contains($"{InferenceMetrics.BatchSizeName}_bucket", metrics);
        Assert.Contains($"{InferenceMetrics.ModelReloadsName}{{outcome=\"loaded\"}}", metrics);
        Assert.Contains($"{InferenceMetrics.ModelReloadsName}{{outcome=\"rejected\"}}", metrics);
        Assert.Equal(1, MetricsText.Value(metrics, InferenceMetrics.ModelLoadedName));
        Assert.True(MetricsText.Value(metrics, $"{InferenceMetrics.ImagesRejectedName}{{reason=\"blank\"}}") >= 1);
        Assert.Contains("http_requests_received_total{code=\"200\",method=\"POST\",controller=\"\",action=\"\",endpoint=\"/predict\"}", metrics);
        Assert.Contains("http_requests_received_total{code=\"422\",method=\"POST\",controller=\"\",action=\"\",endpoint=\"/predict\"}", metrics);
        Assert.Contains("http_request_duration_seconds_bucket", metrics);
    }
}
