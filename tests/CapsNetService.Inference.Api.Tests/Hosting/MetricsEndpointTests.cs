
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

    /// <summary>No label value comes from the client beyond a fixed set: a made-up method is counted as <c>other</c>
    /// (each one was a new series: 4,000 of them made /metrics 112 MB), and an unknown path never becomes an endpoint.</summary>
    [Fact]
    public async Task Made_up_methods_and_paths_never_become_label_values()
    {
        for (int i = 0; i < 20; i++)
        {
            var method = new HttpMethod($"MADEUP{i}" + new string('X', 200));
            using var request = new HttpRequestMessage(method, i % 2 == 0 ? "/predict" : $"/no-such-path-{i}");
            using var response = await service.Client.SendAsync(request);
            Assert.Equal(i % 2 == 0 ? 405 : 404, (int)response.StatusCode);
            if (i % 2 == 0)   // the problem still names the method the client sent
                Assert.Contains("MADEUP", await response.Content.ReadAsStringAsync());
        }
        using (var unknown = await service.Client.GetAsync("/no-such-path-get")) Assert.Equal(404, (int)unknown.StatusCode);

        var metrics = await service.Client.GetStringAsync("/metrics");
        Assert.DoesNotContain("MADEUP", metrics);
        Assert.DoesNotContain("no-such-path", metrics);
        Assert.Contains("method=\"other\"", metrics);
        Assert.Equal("other", Extensions.MetricsMethodLabel("get"));
        Assert.Equal("PATCH", Extensions.MetricsMethodLabel("PATCH"));
    }
}
