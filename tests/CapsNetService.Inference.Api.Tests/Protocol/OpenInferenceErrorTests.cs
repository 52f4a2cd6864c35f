using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace CapsNetService.Inference.Api.Tests.Protocol;

/// <summary>Each malformed v2 request gets its 4xx with the protocol's <c>{"error": "..."}</c>, before anything reaches
/// ONNX Runtime (the model's execution counter does not move). On the service with small limits (64 KiB bodies, 3
/// images a request).</summary>
public sealed class OpenInferenceErrorTests(ServiceFixture.SmallLimits limited) : IClassFixture<ServiceFixture.SmallLimits>
{
    private readonly V2Client _v2 = new(limited.Client);
    private const string Infer = "/v2/models/capsnet/infer";

    private static JsonArray Zeros(int count) => V2Client.Flat(new float[count]);

    private static JsonObject Image(string datatype, long[] shape, JsonNode? data, string name = "image") =>
        V2Client.InferRequest([new(name, datatype, shape, data)]);

    public static TheoryData<string, string, string> MalformedJson => new()
    {
        // case, request JSON, a word the error must hold
        { "wrong shape (no channel)", Image("FP32", [1, 28, 28], Zeros(784)).ToJsonString(), "shape" },
        { "wrong shape (27 columns)", Image("FP32", [1, 1, 28, 27], Zeros(756)).ToJsonString(), "shape" },
        { "fewer values than the shape", Image("FP32", [2, 1, 28, 28], Zeros(784)).ToJsonString(), "values" },
        { "more values than the shape", Image("FP32", [1, 1, 28, 28], Zeros(785)).ToJsonString(), "values" },
        { "batch over the limit", Image("FP32", [4, 1, 28, 28], Zeros(4 * 784)).ToJsonString(), "batch" },
        { "empty batch", Image("FP32", [0, 1, 28, 28], Zeros(0)).ToJsonString(), "batch" },
        { "wrong datatype", Image("FP64", [1, 1, 28, 28], Zeros(784)).ToJsonString(), "datatype" },
        { "wrong input name", Image("FP32", [1, 1, 28, 28], Zeros(784), name: "input__0").ToJsonString(), "input" },
        { "NaN as a string", Image("FP32", [1, 1, 28, 28], new JsonArray([.. Zeros(783).Select(v => v!.DeepClone()), JsonValue.Create("NaN")])).ToJsonString(), "number" },
        { "beyond FP32", Image("FP32", [1, 1, 28, 28], Zeros(784)).ToJsonString().Replace("[0,", "[1e39,"), "finite" },
        { "UINT8 over 255", Image("UINT8", [1, 1, 28, 28], V2Client.Flat(Enumerable.Repeat(256, 784))).ToJsonString(), "255" },
        { "not JSON", "{\"inputs\": [", "JSON" },
        { "no inputs", "{\"id\": \"x\"}", "inputs" },
        { "unknown output", V2Client.InferRequest([new("image", "FP32", [1, 1, 28, 28], Zeros(784))],
                                                  outputs: new JsonArray(new JsonObject { ["name"] = "logits" })).ToJsonString(), "output" },
        { "classification out of range", V2Client.InferRequest([new("image", "FP32", [1, 1, 28, 28], Zeros(784))],
                                                  outputs: new JsonArray(new JsonObject { ["name"] = "probabilities", ["parameters"] = new JsonObject { ["classification"] = 11 } })).ToJsonString(), "classification" },
    };

    [Theory]
    [MemberData(nameof(MalformedJson))]
    public async Task A_malformed_request_gets_400_with_an_error(string @case, string json, string word)
    {
        var before = await Executions();
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await limited.Client.PostAsync(Infer, content);
        await AssertError(response, 400, word, @case);
        Assert.Equal(before, await Executions());
    }

    [Fact]
    public async Task NaN_and_infinity_in_binary_data_get_400()
    {
        foreach (var bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var values = new float[784];
            values[400] = bad;
            var bytes = V2Client.LittleEndian(values);
            var answer = await _v2.InferAsync(Infer, V2Client.InferRequest([new("image", "FP32", [1, 1, 28, 28], Binary: bytes)]), [bytes]);
            Assert.Equal(400, answer.Status);
            Assert.Contains("finite", answer.Error);
        }
    }

    [Fact]
    public async Task A_truncated_binary_part_gets_400()
    {
        var bytes = V2Client.LittleEndian(new float[784]);
        var answer = await _v2.InferAsync(Infer, V2Client.InferRequest([new("image", "FP32", [1, 1, 28, 28], Binary: bytes)]),
                                          binaryTail: bytes[..3000]);
        Assert.Equal(400, answer.Status);
        Assert.Contains("cut short", answer.Error);

        var wrongSize = await _v2.InferAsync(Infer, V2Client.InferRequest([new("image", "UINT8", [1, 1, 28, 28], Binary: new byte[783])]), [new byte[783]]);
        Assert.Equal(400, wrongSize.Status);
        Assert.Contains("binary_data_size", wrongSize.Error);
    }

    [Fact]
    public async Task A_header_length_beyond_the_body_gets_400()
    {
        using var content = new ByteArrayContent("{\"inputs\": []}"u8.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add(V2Client.HeaderContentLength, "9999");
        using var response = await limited.Client.PostAsync(Infer, content);
        await AssertError(response, 400, V2Client.HeaderContentLength, "header length");
    }

    [Fact]
    public async Task An_oversized_body_gets_413()
    {
        var bytes = new byte[ServiceFixture.SmallLimits.MaxRequestBytes + 1];
        var answer = await _v2.InferAsync(Infer, V2Client.InferRequest([new("image", "UINT8", [1, 1, 28, 28], Binary: bytes)]), [bytes]);
        Assert.Equal(413, answer.Status);
        Assert.Contains("limit", answer.Error);
    }

    [Theory]
    [InlineData("GET", "/v2/models/mnist")]
    [InlineData("GET", "/v2/models/mnist/ready")]
    [InlineData("POST", "/v2/models/mnist/infer")]
    [InlineData("GET", "/v2/models/capsnet/versions/1")]
    [InlineData("GET", "/v2/models/capsnet/versions/1/ready")]
    [InlineData("POST", "/v2/models/capsnet/versions/1/infer")]
    public async Task An_unknown_model_or_version_gets_404(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST") request.Content = new StringContent(Image("FP32", [1, 1, 28, 28], Zeros(784)).ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await limited.Client.SendAsync(request);
        await AssertError(response, 404, path.Contains("mnist") ? "mnist" : "version", path);
    }

    private async Task<double> Executions() => MetricsText.Value(await limited.Client.GetStringAsync("/metrics"),
        $"nv_inference_exec_count{{model=\"capsnet\",version=\"{TestModels.Metadata.ModelVersion}\"}}");

    private static async Task AssertError(HttpResponseMessage response, int status, string word, string @case)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"{@case}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = (string?)JsonNode.Parse(text)!["error"];
        Assert.False(string.IsNullOrEmpty(error), @case);
        Assert.Contains(word, error, StringComparison.OrdinalIgnoreCase);
    }
}
