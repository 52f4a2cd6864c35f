using System.Net;
using System.Text.Json;
using CapsNetService.Common.MultiMnist;
using SkiaSharp;

namespace CapsNetService.Inference.Api.Tests.Overlapping;

/// <summary>POST /predict/overlapping on the real service: the answer's contract (on any overlapping-digits model, trained
/// or not), its problems as for /predict, and the 503 while there is no such model.</summary>
public sealed class OverlappingEndpointTests : IClassFixture<OverlappingEndpointTests.BothModels>
{
    private const string Route = "/predict/overlapping";
    private readonly BothModels _service;

    public OverlappingEndpointTests(BothModels service) => _service = service;

    [MultiMnistFact]
    public async Task Answers_two_distinct_digits_each_redrawn_alone_and_a_colour_overlay()
    {
        using var response = await _service.Client.PostAsync(Route, UploadForms.Image(TestImages.OverlappingDrawing(0, 1)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.ReadJson();

        var digits = answer.GetProperty("digits").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        Assert.Equal(2, digits.Length);
        Assert.NotEqual(digits[0], digits[1]);
        Assert.All(digits, d => Assert.InRange(d, 0, 9));
        var lengths = answer.GetProperty("probabilities").Floats();
        Assert.Equal(ModelContract.Classes, lengths.Length);
        // The digits are the two longest capsules, longest first.
        var ranked = Enumerable.Range(0, 10).OrderByDescending(d => lengths[d]).Take(2).ToArray();
        Assert.Equal(ranked, digits);

        var reconstructions = answer.GetProperty("reconstructions").EnumerateArray().Select(r => Convert.FromBase64String(r.GetString()!)).ToArray();
        Assert.Equal(2, reconstructions.Length);
        foreach (var png in reconstructions)
            Assert.Equal((36, 36, true), TestImages.Inspect(png));
        // Each digit is decoded from its own capsule: on a trained model the two pictures differ (a random model's
        // capsules are too short for its decoder to draw anything but its biases).
        if (TestModels.MultiMnistUntrained is null)
            Assert.False(Pixels(reconstructions[0]).SequenceEqual(Pixels(reconstructions[1])));

        var overlay = Convert.FromBase64String(answer.GetProperty("overlay").GetString()!);
        var (width, height, greyscale) = TestImages.Inspect(overlay);
        Assert.Equal((36, 36, false), (width, height, greyscale));
        Assert.True(overlay[25] is 2 or 6, $"the overlay's PNG colour type is {overlay[25]}, not RGB or RGBA");
        if (TestModels.MultiMnistUntrained is null)
            using (var bitmap = SKBitmap.Decode(overlay))
                Assert.Contains(Enumerable.Range(0, 36 * 36), i => bitmap.GetPixel(i % 36, i / 36) is var c && c.Red != c.Green);

        Assert.Equal((36, 36, true), TestImages.Inspect(Convert.FromBase64String(answer.GetProperty("modelInput").GetString()!)));
        Assert.Equal(TestModels.MultiMnistMetadata!.ModelVersion, answer.GetProperty("modelVersion").GetString());
        Assert.Equal(TestModels.MultiMnistMetadata.ModelVersion, response.Headers.GetValues(ApiConventions.ModelVersionHeader).Single());
        Assert.False(answer.GetProperty("preprocessing").GetProperty("passedThrough").GetBoolean());
        Assert.True(answer.GetProperty("preprocessing").GetProperty("inverted").GetBoolean());
    }

    [Fact]
    public void The_overlay_shows_the_first_digit_red_the_second_green_and_the_input_grey()
    {
        const int side = 36;
        var input = new float[side * side];
        var first = new float[side * side];
        var second = new float[side * side];
        input[0] = 1;        // input only
        first[1] = 1;        // the first digit only
        second[2] = 1;       // the second digit only
        first[3] = second[3] = 1;

        using var bitmap = SKBitmap.Decode(OverlappingApi.Overlay(input, first, second, side));

        Assert.Equal(new SKColor(115, 115, 115), bitmap.GetPixel(0, 0));
        Assert.Equal(new SKColor(255, 0, 0), bitmap.GetPixel(1, 0));
        Assert.Equal(new SKColor(0, 255, 0), bitmap.GetPixel(2, 0));
        Assert.Equal(new SKColor(255, 255, 0), bitmap.GetPixel(3, 0));
        Assert.Equal(new SKColor(0, 0, 0), bitmap.GetPixel(4, 0));
    }

    [Fact]
    public void The_two_digits_are_the_longest_capsules_longest_first()
    {
        Assert.Equal([8, 3], OverlappingApi.Longest([0.1f, 0, 0, 0.8f, 0, 0, 0, 0.2f, 0.9f, 0], 2));
        Assert.Equal([2, 5], OverlappingApi.Longest([0, 0, 0.5f, 0, 0, 0.5f, 0, 0, 0, 0], 2));
    }

    [MultiMnistFact]
    public async Task A_36x36_multimnist_pair_reaches_the_model_unchanged()
    {
        var pair = Pair(first: 0, second: 1);
        using var response = await _service.Client.PostAsync(Route, UploadForms.Image(TestImages.MultiMnistPng(pair)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.ReadJson();
        Assert.True(answer.GetProperty("preprocessing").GetProperty("passedThrough").GetBoolean());
        Assert.Equal(pair, Pixels(Convert.FromBase64String(answer.GetProperty("modelInput").GetString()!)));
    }

    [MultiMnistFact]
    public async Task Model_lists_both_kinds()
    {
        var model = await _service.Client.GetJson("/model");
        Assert.Equal("mnist", model.GetProperty("kind").GetString());
        Assert.Equal(TestModels.Metadata.ModelVersion, model.GetProperty("modelVersion").GetString());
        var overlapping = model.GetProperty("overlapping");
        Assert.Equal("multimnist", overlapping.GetProperty("kind").GetString());
        Assert.True(overlapping.GetProperty("loaded").GetBoolean());
        Assert.Equal(TestModels.MultiMnistMetadata!.ModelVersion, overlapping.GetProperty("modelVersion").GetString());
        Assert.Equal("multimnist", overlapping.GetProperty("metadata").GetProperty("kind").GetString());
        Assert.Equal(MultiMnistContract.ModelFileName, overlapping.GetProperty("files").GetProperty("classifier").GetProperty("name").GetString());
        Assert.Equal(MultiMnistContract.DecoderFileName, overlapping.GetProperty("files").GetProperty("decoder").GetProperty("name").GetString());
    }

    [MultiMnistFact]
    public async Task Refuses_what_predict_refuses_with_the_same_problems()
    {
        var client = _service.Client;
        using (var noFile = await client.PostAsync(Route, UploadForms.Form(("picture", TestImages.OverlappingDrawing(0, 1), "a.png", "image/png"))))
            Assert.Equal("missing-image", (await ProblemAssert.IsProblem(noFile, HttpStatusCode.BadRequest)).GetProperty("code").GetString());
        using (var text = await client.PostAsync(Route, UploadForms.Image(TestImages.NotAnImage(), "notes.txt", "application/octet-stream")))
            Assert.Equal("not-an-image", (await ProblemAssert.IsProblem(text, HttpStatusCode.UnprocessableEntity)).GetProperty("code").GetString());
        using (var blank = await client.PostAsync(Route, UploadForms.Image(TestImages.Blank())))
            Assert.Equal("blank-image", (await ProblemAssert.IsProblem(blank, HttpStatusCode.UnprocessableEntity)).GetProperty("code").GetString());
        using (var bomb = await client.PostAsync(Route, UploadForms.Image(TestImages.DecompressionBomb())))
            Assert.Equal((int)HttpStatusCode.UnprocessableEntity, (int)bomb.StatusCode);
        using (var notMultipart = await client.PostAsync(Route, new ByteArrayContent(TestImages.OverlappingDrawing(0, 1))))
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, notMultipart.StatusCode);
        var large = new byte[BothModels.MaxRequestBytes + 1024];
        TestImages.OverlappingDrawing(0, 1).CopyTo(large, 0);
        using (var tooLarge = await client.PostAsync(Route, UploadForms.Image(large)))
            Assert.Equal("body-too-large", (await ProblemAssert.IsProblem(tooLarge, HttpStatusCode.RequestEntityTooLarge)).GetProperty("code").GetString());

        var metrics = await client.GetStringAsync("/metrics");
        Assert.True(MetricsText.Value(metrics, $"{InferenceMetrics.ImagesRejectedName}{{reason=\"not_an_image\"}}") >= 1);
        Assert.Contains("http_requests_received_total{code=\"422\",method=\"POST\",controller=\"\",action=\"\",endpoint=\"/predict/overlapping\"}", metrics);
    }

    [Fact]
    public async Task Without_the_overlapping_model_it_answers_503_and_the_rest_serves()
    {
        using var models = TestModels.CopyToTemporaryDirectory();
        using var factory = new CapsNetApiFactory(models.Path);
        using var client = factory.CreateClient();

        using (var overlapping = await client.PostAsync(Route, UploadForms.Image(TestImages.MnistPng(0))))
        {
            var problem = await ProblemAssert.IsProblem(overlapping, HttpStatusCode.ServiceUnavailable, MultiMnistContract.ModelFileName, "/model");
            Assert.Equal("overlapping-model-unavailable", problem.GetProperty("code").GetString());
            Assert.NotNull(overlapping.Headers.RetryAfter);
        }
        using (var ready = await client.GetAsync("/health/ready")) Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using (var predict = await client.PostImage(TestImages.MnistPng(0))) Assert.Equal(HttpStatusCode.OK, predict.StatusCode);

        var model = await client.GetJson("/model");
        Assert.True(model.GetProperty("loaded").GetBoolean());
        var described = model.GetProperty("overlapping");
        Assert.False(described.GetProperty("loaded").GetBoolean());
        Assert.Equal("missing", described.GetProperty("reload").GetProperty("lastOutcome").GetString());
        Assert.Equal(JsonValueKind.Null, described.GetProperty("modelVersion").ValueKind);
    }

    /// <summary>MNIST test digits <paramref name="first"/> and <paramref name="second"/> merged as the generator merges
    /// a pair, shifted apart (36×36 bytes).</summary>
    private static byte[] Pair(int first, int second)
    {
        var a = new byte[MultiMnistCanvas.Pixels];
        var b = new byte[MultiMnistCanvas.Pixels];
        var merged = new byte[MultiMnistCanvas.Pixels];
        MultiMnistCanvas.Place(TestImages.Mnist.Image(first), 3, -2, a);
        MultiMnistCanvas.Place(TestImages.Mnist.Image(second), -2, 3, b);
        MultiMnistCanvas.Merge(a, b, merged);
        return merged;
    }

    private static byte[] Pixels(byte[] greyPng)
    {
        using var bitmap = SKBitmap.Decode(greyPng);
        return Enumerable.Range(0, bitmap.Width * bitmap.Height).Select(i => bitmap.GetPixel(i % bitmap.Width, i / bitmap.Width).Red).ToArray();
    }

    /// <summary>The service on a folder holding the MNIST and the overlapping-digits model, with a small body limit.</summary>
    public sealed class BothModels : IDisposable
    {
        public const int MaxRequestBytes = 256 * 1024;

        private readonly TemporaryDirectory _models = TestModels.CopyToTemporaryDirectory();
        private readonly CapsNetApiFactory? _factory;

        public BothModels()
        {
            if (TestModels.MultiMnistDirectory is null) return;
            TestModels.CopyMultiMnistTo(_models.Path);
            _factory = new CapsNetApiFactory(_models.Path, new Dictionary<string, string>
            {
                ["Uploads:MaxRequestBytes"] = MaxRequestBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            Client = _factory.CreateClient();
        }

        public HttpClient Client { get; } = null!;

        public void Dispose()
        {
            Client?.Dispose();
            _factory?.Dispose();
            _models.Dispose();
        }
    }
}
