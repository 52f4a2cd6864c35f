using System.Diagnostics;
using System.Globalization;
using System.Net;
using SkiaSharp;

namespace CapsNetService.Inference.Api.Tests.Prediction;

/// <summary>
/// A request's images share one pixel budget (Uploads:MaxRequestPixels), checked from their headers before any is
/// decoded, and a batch whose client has gone stops before its next image. Found by an attack (issue 20): 64 PNGs of
/// 4096×4096 in one 4.6 MB /predict/batch took a core for 75 s, and kept it after the client disconnected.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class PixelBudgetTests(ServiceFixture service)
{
    private readonly HttpClient _client = service.Client;
    private static readonly long Budget = new UploadLimitsOptions().MaxRequestPixels;

    [Fact]
    public async Task A_batch_over_the_pixel_budget_is_413_before_any_image_is_decoded()
    {
        // Each header is at the per-image limit (allowed alone); five of them are 83,886,080 pixels together.
        var atTheLimit = PngForge.ClaimedSize(4096, 4096, colourType: 6);
        Assert.True(5 * 4096L * 4096 > Budget);
        var before = DecodedPixels(await Metrics());

        using var response = await _client.PostAsync("/predict/batch", Batch(atTheLimit, 5, "png"));

        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.RequestEntityTooLarge,
            "5 image(s)", "83,886,080", Budget.ToString("N0", CultureInfo.InvariantCulture));
        Assert.Equal("pixel-budget-exceeded", problem.GetProperty("code").GetString());
        Assert.Equal(0, DecodedPixels(await Metrics()) - before);

        // One image the per-image limits allow is never over the budget: this one is refused for its missing data.
        using var alone = await _client.PostImage(atTheLimit, "limit.png");
        Assert.Equal("not-an-image", (await ProblemAssert.IsProblem(alone, HttpStatusCode.UnprocessableEntity)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Large_JPEGs_count_and_decode_at_their_reduced_size()
    {
        var jpeg = TestImages.Drawing(3, SKColors.Black, SKColors.White, side: 4096, format: SKEncodedImageFormat.Jpeg);
        // Eight 4096×4096 JPEGs hold twice the budget as stored; decoded at 1/4 they are 8 × 1024².
        Assert.True(8 * 4096L * 4096 > Budget);
        var before = DecodedPixels(await Metrics());

        using var response = await _client.PostAsync("/predict/batch", Batch(jpeg, 8, "jpg"));

        var answer = await response.ReadJson();
        Assert.Equal(8, answer.GetProperty("count").GetInt32());
        Assert.Equal(4096, answer.GetProperty("results")[0].GetProperty("preprocessing").GetProperty("originalWidth").GetInt32());
        Assert.Equal(8 * 1024 * 1024, DecodedPixels(await Metrics()) - before);
    }

    [Fact]
    public async Task A_client_that_leaves_stops_the_batch_between_images()
    {
        const int images = 16, side = 2048;   // 67,108,864 pixels: the whole budget, PNG decoded at full size
        const long perImage = (long)side * side;
        var png = TestImages.Drawing(5, SKColors.Black, SKColors.White, side);
        var before = DecodedPixels(await Metrics());

        using var leave = new CancellationTokenSource();
        var request = _client.PostAsync("/predict/batch", Batch(png, images, "png"), leave.Token);
        // The client leaves once the service has decoded its first image.
        await Until(async () => DecodedPixels(await Metrics()) - before >= perImage, "the first image decoded");
        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);

        // When the request has ended on the service's side, it has decoded fewer images than it was sent.
        await Until(async () => InProgress(await Metrics(), "/predict/batch") == 0, "the end of the abandoned batch");
        double decoded = DecodedPixels(await Metrics()) - before;
        Assert.True(decoded < images * perImage, $"{decoded / perImage} of {images} images decoded after the client left");
    }

    private static MultipartFormDataContent Batch(byte[] image, int count, string extension) =>
        UploadForms.Form(Enumerable.Range(0, count)
            .Select(i => ("images", image, $"{i}.{extension}", (string?)(extension == "png" ? "image/png" : "image/jpeg"))).ToArray());

    private Task<string> Metrics() => _client.GetStringAsync("/metrics");

    private static double DecodedPixels(string metrics) => MetricsText.Value(metrics, InferenceMetrics.DecodedPixelsName);

    /// <summary>Requests to <paramref name="endpoint"/> being served now (prometheus-net's in-progress gauge).</summary>
    private static double InProgress(string metrics, string endpoint) => metrics.Split('\n')
        .Where(line => line.StartsWith("http_requests_in_progress{", StringComparison.Ordinal)
                       && line.Contains($"endpoint=\"{endpoint}\"", StringComparison.Ordinal))
        .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    /// <summary>Polls closely (an image decodes in tens of milliseconds), for at most a minute.</summary>
    private static async Task Until(Func<Task<bool>> done, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await done())
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(1)) throw new TimeoutException($"{what} did not happen within a minute");
            await Task.Delay(5);
        }
    }
}
