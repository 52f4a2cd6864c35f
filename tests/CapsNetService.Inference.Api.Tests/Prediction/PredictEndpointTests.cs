using System.Net;
using System.Text.Json;
using SkiaSharp;

namespace CapsNetService.Inference.Api.Tests.Prediction;

/// <summary>POST /predict with real images under ONNX Runtime. Digits are checked only on the trained model
/// (<see cref="TestModels.IsTrained"/>; not with an untrained model named by CAPSNET_TEST_MODEL_DIR).</summary>
[Collection(ServiceCollection.Name)]
public sealed class PredictEndpointTests(ServiceFixture service)
{
    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task A_real_MNIST_digit_gets_a_complete_answer()
    {
        using var response = await _client.PostImage(TestImages.MnistPng(0), "seven.png");
        var answer = await response.ReadJson();

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var probabilities = answer.GetProperty("probabilities").Floats();
        Assert.Equal(10, probabilities.Length);
        Assert.All(probabilities, p => Assert.InRange(p, 0f, 1f));
        int digit = answer.GetProperty("digit").GetInt32();
        Assert.Equal(Array.IndexOf(probabilities, probabilities.Max()), digit);

        var capsules = answer.GetProperty("capsules").EnumerateArray().Select(c => c.Floats()).ToArray();
        Assert.Equal(10, capsules.Length);
        Assert.All(capsules, c => Assert.Equal(16, c.Length));
        // A capsule's length is its class's probability.
        for (int d = 0; d < 10; d++)
            Assert.Equal(probabilities[d], MathF.Sqrt(capsules[d].Sum(v => v * v)), 3);

        foreach (var image in new[] { "reconstruction", "modelInput" })
        {
            var (width, height, greyscale) = TestImages.Inspect(Convert.FromBase64String(answer.GetProperty(image).GetString()!));
            Assert.Equal((28, 28, true), (width, height, greyscale));
        }

        Assert.Equal(TestModels.Metadata.ModelVersion, answer.GetProperty("modelVersion").GetString());
        Assert.Equal(TestModels.Metadata.ModelVersion, response.Headers.GetValues("X-Model-Version").Single());
        Assert.True(answer.GetProperty("inferenceMilliseconds").GetDouble() > 0);

        var preprocessing = answer.GetProperty("preprocessing");
        Assert.False(preprocessing.GetProperty("inverted").GetBoolean());
        Assert.True(preprocessing.GetProperty("passedThrough").GetBoolean());
        Assert.Equal(28, preprocessing.GetProperty("originalWidth").GetInt32());
        Assert.Equal(28, preprocessing.GetProperty("originalHeight").GetInt32());

        if (TestModels.IsTrained) Assert.Equal(TestImages.Label(0), digit);
    }

    [Fact]
    public async Task Real_MNIST_test_digits_come_back_with_their_labels()
    {
        const int count = 20;
        int right = 0;
        for (int i = 0; i < count; i++)
        {
            using var response = await _client.PostImage(TestImages.MnistPng(i), $"mnist-{i}.png");
            var answer = await response.ReadJson();
            int digit = answer.GetProperty("digit").GetInt32();
            Assert.InRange(digit, 0, 9);
            if (digit == TestImages.Label(i)) right++;
        }
        if (TestModels.IsTrained)
            Assert.True(right >= count - 1, $"{right} of {count} MNIST test digits recognised");
    }

    [Fact]
    public async Task Ink_on_paper_is_inverted_and_recognised()
    {
        using var response = await _client.PostImage(TestImages.Drawing(1, SKColors.Black, SKColors.White), "ink.png");
        var answer = await response.ReadJson();

        var preprocessing = answer.GetProperty("preprocessing");
        Assert.True(preprocessing.GetProperty("inverted").GetBoolean());
        Assert.False(preprocessing.GetProperty("passedThrough").GetBoolean());
        Assert.Equal(240, preprocessing.GetProperty("originalWidth").GetInt32());
        if (TestModels.IsTrained) Assert.Equal(TestImages.Label(1), answer.GetProperty("digit").GetInt32());
    }

    [Fact]
    public async Task A_coloured_JPEG_drawing_is_normalised_and_recognised()
    {
        var jpeg = TestImages.Drawing(2, new SKColor(20, 40, 160), new SKColor(250, 235, 150), 300, SKEncodedImageFormat.Jpeg);
        using var response = await _client.PostImage(jpeg, "blue-on-yellow.jpg", "image/jpeg");
        var answer = await response.ReadJson();

        var preprocessing = answer.GetProperty("preprocessing");
        Assert.True(preprocessing.GetProperty("inverted").GetBoolean());
        Assert.Equal(300, preprocessing.GetProperty("originalHeight").GetInt32());
        // The model saw a light digit on black, whatever the colours were.
        var (width, height, _) = TestImages.Inspect(Convert.FromBase64String(answer.GetProperty("modelInput").GetString()!));
        Assert.Equal((28, 28), (width, height));
        if (TestModels.IsTrained) Assert.Equal(TestImages.Label(2), answer.GetProperty("digit").GetInt32());
    }

    [Fact]
    public async Task A_part_sent_as_octet_stream_is_accepted_by_its_signature()
    {
        using var response = await _client.PostImage(TestImages.MnistPng(3), "digit", "application/octet-stream");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Format_png_returns_the_reconstruction_itself()
    {
        using var response = await _client.PostImage(TestImages.MnistPng(0), path: "/predict?format=png");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        var (width, height, greyscale) = TestImages.Inspect(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((28, 28, true), (width, height, greyscale));
        Assert.InRange(int.Parse(response.Headers.GetValues("X-Predicted-Digit").Single()), 0, 9);
        Assert.Equal(TestModels.Metadata.ModelVersion, response.Headers.GetValues("X-Model-Version").Single());
    }

    [Fact]
    public async Task Format_json_is_the_default_answer()
    {
        using var response = await _client.PostImage(TestImages.MnistPng(0), path: "/predict?format=json");
        var answer = await response.ReadJson();
        Assert.Equal(JsonValueKind.Number, answer.GetProperty("digit").ValueKind);
    }

    [Fact]
    public async Task Concurrent_requests_share_the_session()
    {
        var tasks = Enumerable.Range(0, 8).Select(async i =>
        {
            using var response = await _client.PostImage(TestImages.MnistPng(i));
            return (await response.ReadJson()).GetProperty("digit").GetInt32();
        });
        var digits = await Task.WhenAll(tasks);
        Assert.All(digits, d => Assert.InRange(d, 0, 9));

        // The same image gives the same answer whatever ran beside it.
        using var again = await _client.PostImage(TestImages.MnistPng(0));
        Assert.Equal(digits[0], (await again.ReadJson()).GetProperty("digit").GetInt32());
    }
}
