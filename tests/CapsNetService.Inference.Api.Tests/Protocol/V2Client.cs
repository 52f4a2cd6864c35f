using System.Buffers.Binary;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CapsNetService.Inference.Api.Tests.Protocol;

/// <summary>
/// A client of the Open Inference Protocol written from its REST specification (kserve/open-inference-protocol,
/// inference_rest.md, and Triton's binary tensor data and classification extensions), not from the service's code:
/// requests are built as JSON nodes with the spec's field names, binary data is laid out as the extension says.
/// </summary>
public sealed class V2Client(HttpClient http)
{
    public const string HeaderContentLength = "Inference-Header-Content-Length";

    public HttpClient Http { get; } = http;

    /// <summary>One input tensor: JSON data (any nesting) or raw bytes sent with the binary extension.</summary>
    public sealed record Tensor(string Name, string Datatype, long[] Shape, JsonNode? Data = null, byte[]? Binary = null);

    /// <summary>An answer: the status, the JSON part and, with binary outputs, each output's bytes by name.</summary>
    public sealed record Answer(int Status, JsonObject Json, IReadOnlyDictionary<string, byte[]> Binary, HttpResponseMessage Response)
    {
        public JsonObject Output(string name) =>
            Json["outputs"]!.AsArray().Select(o => o!.AsObject()).Single(o => (string)o["name"]! == name);

        /// <summary>An FP32 output's values, from its JSON data or its binary bytes.</summary>
        public float[] Floats(string name)
        {
            var output = Output(name);
            Assert.Equal("FP32", (string)output["datatype"]!);
            if (Binary.TryGetValue(name, out var bytes))
                return Enumerable.Range(0, bytes.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4))).ToArray();
            return output["data"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
        }

        public long[] Shape(string name) => Output(name)["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();

        public string? Error => Json["error"]?.GetValue<string>();
    }

    public static JsonObject InferRequest(IEnumerable<Tensor> inputs, string? id = null, JsonArray? outputs = null, JsonObject? parameters = null)
    {
        var request = new JsonObject();
        if (id is not null) request["id"] = id;
        if (parameters is not null) request["parameters"] = parameters;
        var array = new JsonArray();
        foreach (var tensor in inputs)
        {
            var input = new JsonObject
            {
                ["name"] = tensor.Name,
                ["shape"] = new JsonArray(tensor.Shape.Select(d => (JsonNode)JsonValue.Create(d)).ToArray()),
                ["datatype"] = tensor.Datatype,
            };
            if (tensor.Binary is not null) input["parameters"] = new JsonObject { ["binary_data_size"] = tensor.Binary.Length };
            else input["data"] = tensor.Data;
            array.Add(input);
        }
        request["inputs"] = array;
        if (outputs is not null) request["outputs"] = outputs;
        return request;
    }

    /// <summary>POST …/infer. Binary inputs go after the JSON with the Inference-Header-Content-Length header.</summary>
    /// <param name="binaryTail">Overrides the bytes sent after the JSON (to send a truncated part).</param>
    public async Task<Answer> InferAsync(string path, JsonObject request, IEnumerable<byte[]>? binaryInputs = null, byte[]? binaryTail = null)
    {
        var json = Encoding.UTF8.GetBytes(request.ToJsonString());
        var tail = binaryTail ?? (binaryInputs ?? []).SelectMany(b => b).ToArray();
        HttpContent content;
        if (tail.Length == 0 && binaryInputs is null)
        {
            content = new ByteArrayContent(json);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        else
        {
            content = new ByteArrayContent([.. json, .. tail]);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Headers.Add(HeaderContentLength, json.Length.ToString());
        }
        using (content) return await ReadAnswer(await Http.PostAsync(path, content));
    }

    public async Task<Answer> GetAsync(string path) => await ReadAnswer(await Http.GetAsync(path));

    /// <summary>Splits the body into JSON and binary outputs (each output's parameters.binary_data_size, in order).</summary>
    private static async Task<Answer> ReadAnswer(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        int jsonLength = body.Length;
        if (response.Headers.TryGetValues(HeaderContentLength, out var values) || response.Content.Headers.TryGetValues(HeaderContentLength, out values))
            jsonLength = int.Parse(values.Single());
        var json = jsonLength == 0 ? new JsonObject() : JsonNode.Parse(body.AsSpan(0, jsonLength))!.AsObject();
        var binary = new Dictionary<string, byte[]>();
        int at = jsonLength;
        if (json["outputs"] is JsonArray outputs)
            foreach (var output in outputs.Select(o => o!.AsObject()))
                if (output["parameters"]?["binary_data_size"] is JsonNode size)
                {
                    int bytes = size.GetValue<int>();
                    binary[(string)output["name"]!] = body.AsSpan(at, bytes).ToArray();
                    at += bytes;
                }
        Assert.Equal(body.Length, at);
        return new Answer((int)response.StatusCode, json, binary, response);
    }

    /// <summary>The images as a nested [N, 1, 28, 28] JSON array of numbers.</summary>
    public static JsonArray Nested(float[][] images) => new(images.Select(image => (JsonNode)new JsonArray(
        new JsonArray(Enumerable.Range(0, 28).Select(row => (JsonNode)new JsonArray(
            image.Skip(row * 28).Take(28).Select(v => (JsonNode)JsonValue.Create(v)).ToArray())).ToArray()))).ToArray());

    public static JsonArray Flat<T>(IEnumerable<T> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());

    public static byte[] LittleEndian(IEnumerable<float> values)
    {
        var list = values.ToArray();
        var bytes = new byte[list.Length * 4];
        for (int i = 0; i < list.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), list[i]);
        return bytes;
    }
}
