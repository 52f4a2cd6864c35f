using System.Text.Json.Nodes;
using SkiaSharp;

namespace CapsNetService.Inference.Api.Tests.Protocol;

/// <summary>POST /v2/models/capsnet/infer on 100 real MNIST test digits, sent as FP32 JSON (nested and flat), as UINT8
/// and as binary tensor data, answers what POST /predict answers for the same pixels (a 28×28 MNIST PNG, which the
/// preprocessing passes through unchanged).</summary>
[Collection(ServiceCollection.Name)]
public sealed class OpenInferenceParityTests(ServiceFixture service)
{
    private const int Digits = 100;
    private const int PerRequest = 50;   // under the service's batch limit (Uploads:MaxBatchImages, 64)
    private const double Tolerance = 1e-5;

    private readonly V2Client _v2 = new(service.Client);

    private static float[][] Images => Enumerable.Range(0, Digits)
        .Select(i => TestImages.Mnist.Image(i).ToArray().Select(b => b / 255f).ToArray()).ToArray();

    /// <summary>/predict's answers, asked once for the class (the tests of a collection run one at a time).</summary>
    private static Task<float[][]>? _predictAnswers;

    private Task<float[][]> PredictAnswers => _predictAnswers ??= PredictAll(service.Client);

    /// <summary>POST /predict for each digit as a lossless 28×28 PNG; checks that the model saw exactly those pixels.</summary>
    private static async Task<float[][]> PredictAll(HttpClient client)
    {
        {
            var answers = new float[Digits][];
            for (int i = 0; i < Digits; i++)
            {
                using var response = await client.PostImage(TestImages.MnistPng(i));
                var json = await response.ReadJson();
                Assert.True(json.GetProperty("preprocessing").GetProperty("passedThrough").GetBoolean(), $"digit {i} was not passed through");
                using var seen = SKBitmap.Decode(Convert.FromBase64String(json.GetProperty("modelInput").GetString()!));
                var expected = TestImages.Mnist.Image(i).ToArray();
                for (int p = 0; p < expected.Length; p++)
                    Assert.Equal(expected[p], seen.GetPixel(p % 28, p / 28).Red);
                answers[i] = json.GetProperty("probabilities").Floats();
            }
            return answers;
        }
    }

    private async Task<float[][]> InferAll(Func<float[][], (JsonObject Request, byte[][]? Binary)> encode)
    {
        var images = Images;
        var answers = new List<float[]>();
        for (int start = 0; start < Digits; start += PerRequest)
        {
            var batch = images[start..(start + PerRequest)];
            var (request, binary) = encode(batch);
            var answer = await _v2.InferAsync("/v2/models/capsnet/infer", request, binary);
            Assert.True(answer.Status == 200, answer.Error);
            Assert.Equal([PerRequest, 10], answer.Shape("probabilities"));
            answers.AddRange(answer.Floats("probabilities").Chunk(10));
        }
        return answers.ToArray();
    }

    private async Task AssertSameAsPredict(float[][] v2)
    {
        var predict = await PredictAnswers;
        Assert.Equal(Digits, v2.Length);
        for (int i = 0; i < Digits; i++)
        {
            for (int d = 0; d < 10; d++)
                Assert.True(Math.Abs(v2[i][d] - predict[i][d]) <= Tolerance, $"digit {i}, class {d}: v2 {v2[i][d]}, /predict {predict[i][d]}");
            int digit = Array.IndexOf(v2[i], v2[i].Max());
            Assert.Equal(Array.IndexOf(predict[i], predict[i].Max()), digit);
            if (TestModels.IsTrained) Assert.Equal(TestImages.Label(i), digit);
        }
    }

    [Fact]
    public async Task Fp32_json_nested_and_flat_gives_the_probabilities_of_predict()
    {
        bool nested = true;
        var v2 = await InferAll(batch =>
        {
            var data = nested ? V2Client.Nested(batch) : V2Client.Flat(batch.SelectMany(b => b));
            nested = !nested;
            return (V2Client.InferRequest([new("image", "FP32", [batch.Length, 1, 28, 28], data)]), null);
        });
        await AssertSameAsPredict(v2);
    }

    [Fact]
    public async Task Uint8_json_gives_the_probabilities_of_predict()
    {
        var v2 = await InferAll(batch => (V2Client.InferRequest(
            [new("image", "UINT8", [batch.Length, 1, 28, 28], V2Client.Flat(batch.SelectMany(b => b).Select(v => (int)MathF.Round(v * 255))))]), null));
        await AssertSameAsPredict(v2);
    }

    [Fact]
    public async Task Binary_fp32_inputs_and_outputs_give_the_probabilities_of_predict()
    {
        var v2 = await InferAll(batch =>
        {
            var bytes = V2Client.LittleEndian(batch.SelectMany(b => b));
            var outputs = new JsonArray(new JsonObject { ["name"] = "probabilities", ["parameters"] = new JsonObject { ["binary_data"] = true } });
            return (V2Client.InferRequest([new("image", "FP32", [batch.Length, 1, 28, 28], Binary: bytes)], outputs: outputs), [bytes]);
        });
        await AssertSameAsPredict(v2);
    }

    [Fact]
    public async Task Binary_uint8_input_answers_as_json_input_does()
    {
        var images = Images[..8];
        var bytes = images.SelectMany(b => b).Select(v => (byte)MathF.Round(v * 255)).ToArray();
        var binary = await _v2.InferAsync("/v2/models/capsnet/infer",
            V2Client.InferRequest([new("image", "UINT8", [8, 1, 28, 28], Binary: bytes)]), [bytes]);
        var json = await _v2.InferAsync("/v2/models/capsnet/infer",
            V2Client.InferRequest([new("image", "FP32", [8, 1, 28, 28], V2Client.Flat(images.SelectMany(b => b)))]));
        Assert.Equal(200, binary.Status);
        foreach (var output in new[] { "probabilities", "capsules", "reconstruction" })
        {
            float[] expected = json.Floats(output), actual = binary.Floats(output);
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6, $"{output}[{i}]");
        }
    }
}
