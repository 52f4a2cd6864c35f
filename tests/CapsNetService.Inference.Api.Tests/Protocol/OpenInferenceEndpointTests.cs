using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CapsNetService.Inference.Api.Tests.Protocol;

/// <summary>Every route of the Open Inference Protocol, called as a v2 client would: metadata, health, readiness,
/// inference (outputs, id, classification, binary outputs, a pinned version), the Swagger entry, the Triton metrics.</summary>
[Collection(ServiceCollection.Name)]
public sealed class OpenInferenceEndpointTests(ServiceFixture service)
{
    private readonly V2Client _v2 = new(service.Client);
    private static string Version => TestModels.Metadata.ModelVersion;

    private static float[][] Digits(int count) => Enumerable.Range(0, count)
        .Select(i => TestImages.Mnist.Image(i).ToArray().Select(b => b / 255f).ToArray()).ToArray();

    private static JsonObject Request(int count, string? id = null, JsonArray? outputs = null, JsonObject? parameters = null) =>
        V2Client.InferRequest([new("image", "FP32", [count, 1, 28, 28], V2Client.Flat(Digits(count).SelectMany(d => d)))], id, outputs, parameters);

    [Fact]
    public async Task Server_metadata_names_the_server_and_its_extensions()
    {
        var answer = await _v2.GetAsync("/v2");
        Assert.Equal(200, answer.Status);
        Assert.False(string.IsNullOrEmpty((string?)answer.Json["name"]));
        Assert.False(string.IsNullOrEmpty((string?)answer.Json["version"]));
        var extensions = answer.Json["extensions"]!.AsArray().Select(e => (string)e!).ToList();
        Assert.Contains("binary_tensor_data", extensions);
        Assert.Contains("classification", extensions);
    }

    [Theory]
    [InlineData("/v2/health/live")]
    [InlineData("/v2/health/ready")]
    [InlineData("/v2/models/capsnet/ready")]
    public async Task Health_and_readiness_answer_200(string path)
    {
        using var response = await service.Client.GetAsync(path);
        Assert.Equal(200, (int)response.StatusCode);
    }

    [Fact]
    public async Task Model_metadata_describes_the_tensors_with_a_variable_batch()
    {
        foreach (var path in new[] { "/v2/models/capsnet", $"/v2/models/capsnet/versions/{Version}" })
        {
            var answer = await _v2.GetAsync(path);
            Assert.Equal(200, answer.Status);
            Assert.Equal("capsnet", (string?)answer.Json["name"]);
            Assert.Equal([Version], answer.Json["versions"]!.AsArray().Select(v => (string)v!));
            Assert.Equal("onnx_onnxv1", (string?)answer.Json["platform"]);
            var input = answer.Json["inputs"]!.AsArray().Single()!;
            Assert.Equal(("image", "FP32"), ((string)input["name"]!, (string)input["datatype"]!));
            Assert.Equal([-1L, 1, 28, 28], input["shape"]!.AsArray().Select(d => d!.GetValue<long>()));
            var outputs = answer.Json["outputs"]!.AsArray().ToDictionary(o => (string)o!["name"]!,
                o => o!["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray());
            Assert.Equal([-1L, 10], outputs["probabilities"]);
            Assert.Equal([-1L, 10, 16], outputs["capsules"]);
            Assert.Equal([-1L, 1, 28, 28], outputs["reconstruction"]);
        }
        using var ready = await service.Client.GetAsync($"/v2/models/capsnet/versions/{Version}/ready");
        Assert.Equal(200, (int)ready.StatusCode);
    }

    [Fact]
    public async Task Infer_returns_every_output_with_its_shape_and_echoes_the_id()
    {
        var answer = await _v2.InferAsync("/v2/models/capsnet/infer", Request(3, id: "request-42"));
        Assert.True(answer.Status == 200, answer.Error);
        Assert.Equal("application/json", answer.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("capsnet", (string?)answer.Json["model_name"]);
        Assert.Equal(Version, (string?)answer.Json["model_version"]);
        Assert.Equal("request-42", (string?)answer.Json["id"]);
        Assert.Equal([3L, 10], answer.Shape("probabilities"));
        Assert.Equal([3L, 10, 16], answer.Shape("capsules"));
        Assert.Equal([3L, 1, 28, 28], answer.Shape("reconstruction"));
        Assert.Equal(30, answer.Floats("probabilities").Length);
        Assert.Equal(480, answer.Floats("capsules").Length);
        Assert.Equal(3 * 784, answer.Floats("reconstruction").Length);
        // A capsule's length is its class's probability.
        var probabilities = answer.Floats("probabilities");
        var capsules = answer.Floats("capsules");
        for (int c = 0; c < 30; c++)
            Assert.Equal(probabilities[c], MathF.Sqrt(capsules.Skip(c * 16).Take(16).Sum(v => v * v)), 3);
    }

    [Fact]
    public async Task Infer_returns_only_the_outputs_asked_for_and_answers_under_the_version()
    {
        var outputs = new JsonArray(new JsonObject { ["name"] = "capsules" });
        var answer = await _v2.InferAsync($"/v2/models/capsnet/versions/{Version}/infer", Request(1, outputs: outputs));
        Assert.True(answer.Status == 200, answer.Error);
        Assert.Equal(["capsules"], answer.Json["outputs"]!.AsArray().Select(o => (string)o!["name"]!));
        Assert.Null(answer.Json["id"]);
    }

    [Fact]
    public async Task Classification_returns_the_top_k_as_value_colon_index_strings()
    {
        var plain = await _v2.InferAsync("/v2/models/capsnet/infer", Request(2));
        var probabilities = plain.Floats("probabilities");
        var outputs = new JsonArray(new JsonObject { ["name"] = "probabilities", ["parameters"] = new JsonObject { ["classification"] = 3 } });
        var answer = await _v2.InferAsync("/v2/models/capsnet/infer", Request(2, outputs: outputs));
        Assert.True(answer.Status == 200, answer.Error);
        var output = answer.Output("probabilities");
        Assert.Equal("BYTES", (string?)output["datatype"]);
        Assert.Equal([2L, 3], answer.Shape("probabilities"));
        var classes = output["data"]!.AsArray().Select(s => ((string)s!).Split(':')).ToArray();
        Assert.Equal(6, classes.Length);
        for (int n = 0; n < 2; n++)
        {
            var expected = probabilities.Skip(n * 10).Take(10).Select((v, i) => (v, i)).OrderByDescending(c => c.v).Take(3).ToArray();
            for (int k = 0; k < 3; k++)
            {
                var parts = classes[n * 3 + k];
                Assert.Equal(expected[k].i, int.Parse(parts[1], CultureInfo.InvariantCulture));
                Assert.Equal(expected[k].v, float.Parse(parts[0], CultureInfo.InvariantCulture), 5);
            }
        }
        if (TestModels.IsTrained) Assert.EndsWith($":{TestImages.Label(0)}", (string)output["data"]![0]!);
    }

    [Fact]
    public async Task Binary_data_output_returns_every_output_as_bytes_after_the_json()
    {
        var json = await _v2.InferAsync("/v2/models/capsnet/infer", Request(2));
        var binary = await _v2.InferAsync("/v2/models/capsnet/infer", Request(2, parameters: new JsonObject { ["binary_data_output"] = true }));
        Assert.True(binary.Status == 200, binary.Error);
        Assert.Equal("application/octet-stream", binary.Response.Content.Headers.ContentType?.MediaType);
        foreach (var name in new[] { "probabilities", "capsules", "reconstruction" })
        {
            Assert.Null(binary.Output(name)["data"]);
            Assert.True(binary.Binary.ContainsKey(name));
            Assert.Equal(json.Floats(name), binary.Floats(name));
        }
    }

    [Fact]
    public async Task Swagger_documents_the_v2_routes()
    {
        var paths = (await service.Client.GetJson("/swagger/v1/swagger.json")).GetProperty("paths");
        foreach (var path in new[] { "/v2", "/v2/health/live", "/v2/health/ready", "/v2/models/{name}", "/v2/models/{name}/ready",
                                     "/v2/models/{name}/versions/{version}", "/v2/models/{name}/versions/{version}/ready",
                                     "/v2/models/{name}/infer", "/v2/models/{name}/versions/{version}/infer" })
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is not in the OpenAPI document");
        var infer = paths.GetProperty("/v2/models/{name}/infer").GetProperty("post");
        Assert.True(infer.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(infer.GetProperty("responses").TryGetProperty("400", out _));
    }

    [Fact]
    public async Task Triton_metrics_count_requests_inferences_executions_and_durations()
    {
        string Sample(string name) => $"{name}{{model=\"capsnet\",version=\"{Version}\"}}";
        string[] names = ["nv_inference_request_success", "nv_inference_request_failure", "nv_inference_count", "nv_inference_exec_count",
                          "nv_inference_request_duration_us", "nv_inference_queue_duration_us", "nv_inference_compute_infer_duration_us"];
        async Task<Dictionary<string, double>> Read()
        {
            var text = await service.Client.GetStringAsync("/metrics");
            return names.ToDictionary(n => n, n => MetricsText.Value(text, Sample(n)));
        }

        var before = await Read();
        Assert.Equal(200, (await _v2.InferAsync("/v2/models/capsnet/infer", Request(3))).Status);
        Assert.Equal(400, (await _v2.InferAsync("/v2/models/capsnet/infer",
            V2Client.InferRequest([new("image", "FP32", [1, 28, 28], V2Client.Flat(new float[784]))]))).Status);
        var after = await Read();

        Assert.Equal(before["nv_inference_request_success"] + 1, after["nv_inference_request_success"]);
        Assert.Equal(before["nv_inference_request_failure"] + 1, after["nv_inference_request_failure"]);
        Assert.Equal(before["nv_inference_count"] + 3, after["nv_inference_count"]);
        Assert.Equal(before["nv_inference_exec_count"] + 1, after["nv_inference_exec_count"]);
        Assert.True(after["nv_inference_request_duration_us"] > before["nv_inference_request_duration_us"]);
        Assert.True(after["nv_inference_compute_infer_duration_us"] > before["nv_inference_compute_infer_duration_us"]);
        Assert.True(after["nv_inference_request_duration_us"] - before["nv_inference_request_duration_us"]
                    >= after["nv_inference_compute_infer_duration_us"] - before["nv_inference_compute_infer_duration_us"]);
        Assert.True(after["nv_inference_queue_duration_us"] >= before["nv_inference_queue_duration_us"]);
        // The autoscaler's requests-in-flight metric (deploy/k8s/autoscaling-in-flight.yaml).
        Assert.Contains("\nhttp_requests_in_progress{", await service.Client.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task Without_a_model_the_server_is_live_but_neither_it_nor_the_model_is_ready()
    {
        using var empty = new TemporaryDirectory();
        using var factory = new CapsNetApiFactory(empty.Path);
        var v2 = new V2Client(factory.CreateClient());
        Assert.Equal(200, (await v2.GetAsync("/v2/health/live")).Status);
        foreach (var path in new[] { "/v2/health/ready", "/v2/models/capsnet/ready" })
        {
            var answer = await v2.GetAsync(path);
            Assert.Equal(503, answer.Status);
            Assert.Contains("no model", answer.Error);
        }
        var infer = await v2.InferAsync("/v2/models/capsnet/infer", Request(1));
        Assert.Equal(503, infer.Status);
        Assert.False(string.IsNullOrEmpty(infer.Error));
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse((await v2.GetAsync("/v2/models/capsnet")).Json["versions"]!.ToJsonString()).RootElement.ValueKind);
    }
}
