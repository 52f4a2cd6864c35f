using System.Net;
using System.Text.Json;

namespace CapsNetService.Inference.Api.Tests.Explorer;

/// <summary>POST /explore on the real model: an uploaded digit or a capsule, each of the 16 dimensions moved through
/// the offsets, all decoded in one decoder call; as JSON with base64 PNGs or as one grid PNG.</summary>
[Collection(ServiceCollection.Name)]
public sealed class ExploreEndpointTests(ServiceFixture service)
{
    private static readonly float[] PaperOffsets = [-0.25f, -0.2f, -0.15f, -0.1f, -0.05f, 0f, 0.05f, 0.1f, 0.15f, 0.2f, 0.25f];

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task An_image_gets_16_rows_of_11_images_over_the_papers_offsets()
    {
        using var response = await _client.PostImage(TestImages.MnistPng(0), "seven.png", path: "/explore");
        var answer = await response.ReadJson();

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("image", answer.GetProperty("source").GetString());
        Assert.Equal(PaperOffsets, answer.GetProperty("offsets").Floats());
        var capsule = answer.GetProperty("capsule").Floats();
        Assert.Equal(16, capsule.Length);
        Assert.Equal(MathF.Sqrt(capsule.Sum(v => v * v)), answer.GetProperty("capsuleLength").GetSingle(), 4);

        var dimensions = answer.GetProperty("dimensions").EnumerateArray().ToArray();
        Assert.Equal(16, dimensions.Length);
        for (int d = 0; d < 16; d++)
        {
            Assert.Equal(d, dimensions[d].GetProperty("dimension").GetInt32());
            Assert.Equal(capsule[d], dimensions[d].GetProperty("value").GetSingle());
            var images = dimensions[d].GetProperty("images").EnumerateArray().Select(i => i.GetString()!).ToArray();
            Assert.Equal(11, images.Length);
            Assert.All(images, png => Assert.Equal((28, 28, true), TestImages.Inspect(Convert.FromBase64String(png))));
            // Moving a dimension a quarter either way changes the picture.
            Assert.NotEqual(images[0], images[10]);
        }

        var prediction = answer.GetProperty("prediction");
        int digit = answer.GetProperty("digit").GetInt32();
        Assert.Equal(prediction.GetProperty("digit").GetInt32(), digit);
        Assert.Equal(CapsuleRequests.PredictedCapsule(prediction), capsule);
        Assert.Equal(TestModels.Metadata.ModelVersion, answer.GetProperty("modelVersion").GetString());
        Assert.True(answer.GetProperty("inferenceMilliseconds").GetDouble() > 0);
        if (TestModels.IsTrained) Assert.Equal(TestImages.Label(0), digit);
    }

    [Fact]
    public async Task Perturbing_by_zero_gives_the_plain_reconstruction_of_predict()
    {
        var image = TestImages.Drawing(1, SkiaSharp.SKColors.Black, SkiaSharp.SKColors.White);
        JsonElement predicted;
        using (var predict = await _client.PostImage(image)) predicted = await predict.ReadJson();
        var plain = CapsuleRequests.GreyPixels(predicted.GetProperty("reconstruction").GetString()!);

        using var response = await _client.PostImage(image, path: "/explore");
        var answer = await response.ReadJson();

        Assert.Equal(0f, answer.GetProperty("offsets")[5].GetSingle());
        foreach (var dimension in answer.GetProperty("dimensions").EnumerateArray())
            CapsuleRequests.SameImage(plain, CapsuleRequests.GreyPixels(dimension.GetProperty("images")[5].GetString()!),
                what: $"d{dimension.GetProperty("dimension").GetInt32()} at offset 0");
        // The classifier's own answer rides along, and is /predict's.
        Assert.Equal(predicted.GetProperty("reconstruction").GetString(),
                     answer.GetProperty("prediction").GetProperty("reconstruction").GetString());
    }

    [Fact]
    public async Task A_capsule_explores_like_the_image_it_came_from()
    {
        JsonElement fromImage;
        using (var response = await _client.PostImage(TestImages.MnistPng(2), path: "/explore")) fromImage = await response.ReadJson();
        var prediction = fromImage.GetProperty("prediction");

        using var capsuleResponse = await _client.PostJson("/explore",
            new { digit = prediction.GetProperty("digit").GetInt32(), capsule = CapsuleRequests.PredictedCapsule(prediction) });
        var fromCapsule = await capsuleResponse.ReadJson();

        Assert.Equal("capsule", fromCapsule.GetProperty("source").GetString());
        Assert.Equal(JsonValueKind.Null, fromCapsule.GetProperty("prediction").ValueKind);
        Assert.Equal(fromImage.GetProperty("digit").GetInt32(), fromCapsule.GetProperty("digit").GetInt32());
        var a = fromImage.GetProperty("dimensions").EnumerateArray().ToArray();
        var b = fromCapsule.GetProperty("dimensions").EnumerateArray().ToArray();
        for (int d = 0; d < 16; d++)
        for (int k = 0; k < 11; k++)
            CapsuleRequests.SameImage(CapsuleRequests.GreyPixels(a[d].GetProperty("images")[k].GetString()!),
                                      CapsuleRequests.GreyPixels(b[d].GetProperty("images")[k].GetString()!), what: $"d{d}, column {k}");
    }

    [Fact]
    public async Task The_10_by_16_matrix_explores_its_longest_capsule_or_the_digit_named()
    {
        JsonElement prediction;
        using (var predict = await _client.PostImage(TestImages.MnistPng(0))) prediction = await predict.ReadJson();
        var capsules = prediction.GetProperty("capsules").EnumerateArray().Select(c => c.Floats()).ToArray();
        int digit = prediction.GetProperty("digit").GetInt32();

        using (var longest = await _client.PostJson("/explore", new { capsules }))
        {
            var answer = await longest.ReadJson();
            Assert.Equal(digit, answer.GetProperty("digit").GetInt32());
            Assert.Equal(capsules[digit], answer.GetProperty("capsule").Floats());
        }
        int other = (digit + 1) % 10;
        using (var named = await _client.PostJson("/explore", new { capsules, digit = other }))
        {
            var answer = await named.ReadJson();
            Assert.Equal(other, answer.GetProperty("digit").GetInt32());
            Assert.Equal(capsules[other], answer.GetProperty("capsule").Floats());
        }
    }

    [Fact]
    public async Task Format_png_returns_one_grid_of_16_rows_by_11_columns_of_28_pixel_tiles()
    {
        JsonElement answer;
        using (var json = await _client.PostImage(TestImages.MnistPng(0), path: "/explore")) answer = await json.ReadJson();
        using var response = await _client.PostImage(TestImages.MnistPng(0), path: "/explore?format=png");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        var (width, height, grey) = CapsuleRequests.GreyPixels(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((11 * 28 + 10, 16 * 28 + 15), (width, height)); // 318 × 463: tiles and 1-pixel gutters
        Assert.Equal(answer.GetProperty("digit").GetInt32().ToString(), response.Headers.GetValues("X-Explored-Digit").Single());
        Assert.Equal("-0.25,-0.2,-0.15,-0.1,-0.05,0,0.05,0.1,0.15,0.2,0.25", response.Headers.GetValues("X-Perturbation-Offsets").Single());
        Assert.Equal(TestModels.Metadata.ModelVersion, response.Headers.GetValues("X-Model-Version").Single());

        // Each tile of the grid is the JSON answer's image for that dimension and offset; the gutters are grey.
        var dimensions = answer.GetProperty("dimensions").EnumerateArray().ToArray();
        foreach (var (d, k) in new[] { (0, 0), (0, 10), (7, 5), (15, 0), (15, 10), (9, 3) })
        {
            var tile = new byte[28 * 28];
            for (int y = 0; y < 28; y++)
                Array.Copy(grey, (d * 29 + y) * width + k * 29, tile, y * 28, 28);
            CapsuleRequests.SameImage(CapsuleRequests.GreyPixels(dimensions[d].GetProperty("images")[k].GetString()!), tile,
                                      levels: 0, what: $"tile d{d}, column {k}");
        }
        Assert.Equal(PerturbationGrid.GutterGrey, grey[28]);                 // first vertical gutter, top row
        Assert.Equal(PerturbationGrid.GutterGrey, grey[28 * width + 5]);     // first horizontal gutter
    }

    [Fact]
    public async Task Steps_and_range_come_from_the_query_the_body_or_the_form()
    {
        using (var query = await _client.PostJson("/explore?steps=5&range=0.5", new { digit = 3, capsule = new float[16] }))
        {
            var answer = await query.ReadJson();
            Assert.Equal(new[] { -0.5f, -0.25f, 0f, 0.25f, 0.5f }, answer.GetProperty("offsets").Floats());
            Assert.All(answer.GetProperty("dimensions").EnumerateArray(), d => Assert.Equal(5, d.GetProperty("images").GetArrayLength()));
        }
        using (var body = await _client.PostJson("/explore", new { digit = 3, capsule = new float[16], steps = 2, range = 1 }))
            Assert.Equal(new[] { -1f, 1f }, (await body.ReadJson()).GetProperty("offsets").Floats());

        using var form = UploadForms.Image(TestImages.MnistPng(0));
        form.Add(new StringContent("21"), "steps");
        form.Add(new StringContent("0.1"), "range");
        using var grid = await _client.PostAsync("/explore?format=png", form);
        Assert.Equal(HttpStatusCode.OK, grid.StatusCode);
        var (width, height, _) = CapsuleRequests.GreyPixels(await grid.Content.ReadAsByteArrayAsync());
        Assert.Equal((21 * 28 + 20, 463), (width, height));
        var offsets = grid.Headers.GetValues("X-Perturbation-Offsets").Single().Split(',');
        Assert.Equal(("-0.1", "0", "0.1"), (offsets[0], offsets[10], offsets[20]));
    }

    [Fact]
    public async Task All_176_perturbations_are_decoded_in_one_decoder_call()
    {
        var before = await Metrics();
        using (var response = await _client.PostImage(TestImages.MnistPng(0), path: "/explore")) response.EnsureSuccessStatusCode();
        var after = await Metrics();

        // One decoder call, of N = 16 dimensions × 11 offsets …
        Assert.Equal(1, Delta("_count"));
        Assert.Equal(176, Delta("_sum"));
        Assert.Equal(1, Delta("_bucket{le=\"176\"}") - Delta("_bucket{le=\"128\"}"));
        // … after one classifier call for the upload.
        Assert.Equal(1, MetricsText.Value(after, InferenceMetrics.BatchSizeName + "_count") - MetricsText.Value(before, InferenceMetrics.BatchSizeName + "_count"));

        double Delta(string suffix) =>
            MetricsText.Value(after, InferenceMetrics.DecoderBatchSizeName + suffix) - MetricsText.Value(before, InferenceMetrics.DecoderBatchSizeName + suffix);
    }

    private async Task<string> Metrics()
    {
        using var response = await _client.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }
}
