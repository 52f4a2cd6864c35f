using System.Buffers.Binary;
using System.Text.Json;

namespace CapsNetService.Inference.Api.Protocol;

/// <summary>
/// Reads a POST /v2/models/capsnet/infer body into model inputs, refusing with <see cref="OpenInferenceApi.Error"/>
/// (400, or 413 for a body over <c>Uploads:MaxRequestBytes</c>) anything that is not the one input the model takes:
/// <c>image</c>, FP32 or UINT8 (0–255, divided by 255), shape [N, 1, 28, 28] with 1 ≤ N ≤ <c>Uploads:MaxBatchImages</c>,
/// every value finite. Nothing reaches ONNX Runtime before all of it is checked.
/// <para>The tensor data is JSON (<c>data</c>, flat or nested, row-major) or, with the binary tensor data extension,
/// raw little-endian bytes after the JSON: the <c>Inference-Header-Content-Length</c> header gives the JSON's length
/// and each binary input's <c>parameters.binary_data_size</c> its byte count, in input order.</para>
/// </summary>
public static class InferenceRequestReader
{
    public const string HeaderContentLength = "Inference-Header-Content-Length";

    /// <summary>What the request asks for, checked.</summary>
    /// <param name="Id">The request's <c>id</c>, echoed in the answer.</param>
    /// <param name="Images">N images of <see cref="ModelContract.ImagePixels"/> values each.</param>
    /// <param name="Outputs">The outputs to return, in the order asked (all three when none was named).</param>
    public sealed record Decoded(string? Id, IReadOnlyList<float[]> Images, IReadOnlyList<RequestedOutput> Outputs);

    /// <param name="Binary">Return this output as binary data after the JSON.</param>
    /// <param name="Classification">Return the top k classes as "value:index" strings instead of the tensor.</param>
    public sealed record RequestedOutput(string Name, bool Binary, int? Classification);

    public static readonly string[] OutputNames =
        [ModelContract.ProbabilitiesOutput, ModelContract.CapsulesOutput, ModelContract.ReconstructionOutput];

    private const int Pixels = ModelContract.ImagePixels;

    public static async Task<Decoded> ReadAsync(HttpRequest request, long maxBytes, int maxBatch, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(request, maxBytes, cancellationToken);
        int jsonLength = body.Length;
        if (request.Headers.TryGetValue(HeaderContentLength, out var declared))
        {
            if (!int.TryParse(declared.ToString(), System.Globalization.NumberStyles.None, CultureInfo.InvariantCulture, out jsonLength)
                || jsonLength < 1 || jsonLength > body.Length)
                throw OpenInferenceApi.Error.BadRequest(
                    $"The {HeaderContentLength} header must be the JSON's length in bytes, between 1 and the body's {body.Length}; it is '{Clip(declared.ToString())}'.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.AsMemory(0, jsonLength), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw OpenInferenceApi.Error.BadRequest($"The request is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}).");
        }
        using (document)
        {
            var binary = new BinaryCursor(body, jsonLength);
            var decoded = Decode(document.RootElement, binary, maxBatch);
            if (binary.Remaining > 0)
                throw OpenInferenceApi.Error.BadRequest(
                    $"The body has {binary.Remaining} bytes after the JSON that no input's binary_data_size accounts for.");
            return decoded;
        }
    }

    private static Decoded Decode(JsonElement root, BinaryCursor binary, int maxBatch)
    {
        if (root.ValueKind != JsonValueKind.Object) throw OpenInferenceApi.Error.BadRequest("The request must be a JSON object with an 'inputs' array.");

        string? id = null;
        if (root.TryGetProperty("id", out var idElement))
        {
            if (idElement.ValueKind != JsonValueKind.String) throw OpenInferenceApi.Error.BadRequest("'id' must be a string.");
            id = idElement.GetString();
        }
        bool allBinary = root.TryGetProperty("parameters", out var parameters) && Flag(parameters, "binary_data_output", "the request's parameters");

        if (!root.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array || inputs.GetArrayLength() == 0)
            throw OpenInferenceApi.Error.BadRequest($"The request needs an 'inputs' array holding the input '{ModelContract.ImageInput}'.");
        float[]? pixels = null;
        int count = 0;
        foreach (var input in inputs.EnumerateArray())
        {
            var name = input.ValueKind == JsonValueKind.Object && input.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
                ? n.GetString()! : throw OpenInferenceApi.Error.BadRequest("Each input must be an object with a 'name'.");
            if (name != ModelContract.ImageInput)
                throw OpenInferenceApi.Error.BadRequest($"Unknown input '{Clip(name)}': model '{OpenInferenceApi.ModelName}' has one input, '{ModelContract.ImageInput}'.");
            if (pixels is not null) throw OpenInferenceApi.Error.BadRequest($"The input '{ModelContract.ImageInput}' is given twice.");
            (pixels, count) = DecodeImage(input, binary, maxBatch);
        }

        var images = new float[count][];
        for (int i = 0; i < count; i++) images[i] = pixels.AsSpan(i * Pixels, Pixels).ToArray();
        return new Decoded(id, images, DecodeOutputs(root, allBinary));
    }

    private static (float[] Pixels, int Count) DecodeImage(JsonElement input, BinaryCursor binary, int maxBatch)
    {
        var what = $"input '{ModelContract.ImageInput}'";
        if (!input.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw OpenInferenceApi.Error.BadRequest($"The {what} needs a 'shape', [N, 1, 28, 28].");
        var shape = new List<long>();
        foreach (var dim in shapeElement.EnumerateArray())
            shape.Add(dim.TryGetInt64(out var d) ? d : throw OpenInferenceApi.Error.BadRequest($"The {what}'s shape must be whole numbers."));
        var expected = $"[N, 1, {ModelContract.ImageSide}, {ModelContract.ImageSide}]";
        if (shape.Count != 4 || shape[1] != 1 || shape[2] != ModelContract.ImageSide || shape[3] != ModelContract.ImageSide)
            throw OpenInferenceApi.Error.BadRequest($"The {what} has shape [{string.Join(", ", shape)}]; the model takes {expected}.");
        if (shape[0] < 1 || shape[0] > maxBatch)
            throw OpenInferenceApi.Error.BadRequest($"The {what} holds a batch of {shape[0]} images; N must be between 1 and {maxBatch}.");
        int count = (int)shape[0];

        var datatype = input.TryGetProperty("datatype", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        int width = datatype switch
        {
            "FP32" => sizeof(float),
            "UINT8" => 1,
            _ => throw OpenInferenceApi.Error.BadRequest(
                $"The {what} has datatype '{Clip(datatype ?? "")}'; the model takes FP32 (values in [0, 1]) or UINT8 (0–255)."),
        };

        var pixels = new float[count * Pixels];
        long? binarySize = input.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object
                           && parameters.TryGetProperty("binary_data_size", out var size)
            ? size.TryGetInt64(out var s) && s >= 0 ? s : throw OpenInferenceApi.Error.BadRequest($"The {what}'s binary_data_size must be a whole number of bytes.")
            : null;
        bool hasData = input.TryGetProperty("data", out var data);
        if (binarySize is { } bytes)
        {
            if (hasData) throw OpenInferenceApi.Error.BadRequest($"The {what} has both 'data' and binary_data_size; send one.");
            if (bytes != (long)pixels.Length * width)
                throw OpenInferenceApi.Error.BadRequest(
                    $"The {what}'s binary_data_size is {bytes} bytes; shape [{count}, 1, 28, 28] of {datatype} takes {(long)pixels.Length * width}.");
            if (bytes > binary.Remaining)
                throw OpenInferenceApi.Error.BadRequest(
                    $"The {what}'s binary data is cut short: {bytes} bytes declared, {binary.Remaining} left in the body.");
            var raw = binary.Take((int)bytes);
            for (int i = 0; i < pixels.Length; i++)
                pixels[i] = width == 1 ? raw[i] / 255f : Finite(BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(i * 4, 4)), i, what);
        }
        else
        {
            if (!hasData) throw OpenInferenceApi.Error.BadRequest($"The {what} has neither 'data' nor parameters.binary_data_size.");
            int filled = 0;
            Flatten(data, pixels, ref filled, width == 1, what);
            if (filled != pixels.Length)
                throw OpenInferenceApi.Error.BadRequest($"The {what} has {filled} values; shape [{count}, 1, 28, 28] takes {pixels.Length}.");
        }
        return (pixels, count);
    }

    /// <summary>Row-major values of a flat or nested array into <paramref name="pixels"/>.</summary>
    private static void Flatten(JsonElement element, float[] pixels, ref int filled, bool bytes, string what)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray()) Flatten(item, pixels, ref filled, bytes, what);
            return;
        }
        if (filled == pixels.Length)
            throw OpenInferenceApi.Error.BadRequest($"The {what} has more values than its shape holds ({pixels.Length}).");
        if (element.ValueKind != JsonValueKind.Number)
            throw OpenInferenceApi.Error.BadRequest($"The {what}'s value {filled} is {element.ValueKind.ToString().ToLowerInvariant()}, not a number.");
        if (bytes)
            pixels[filled] = element.TryGetInt32(out var b) && b is >= 0 and <= 255
                ? b / 255f
                : throw OpenInferenceApi.Error.BadRequest($"The {what} is UINT8: value {filled} ({Clip(element.GetRawText())}) is not a whole number from 0 to 255.");
        else
            pixels[filled] = Finite(element.TryGetSingle(out var f) ? f : float.NaN, filled, what);
        filled++;
    }

    /// <summary>NaN and ±Infinity (in binary data, or numbers beyond float's range in JSON) are refused.</summary>
    private static float Finite(float value, int index, string what) => float.IsFinite(value)
        ? value
        : throw OpenInferenceApi.Error.BadRequest($"The {what}'s value {index} is not a finite FP32 number; NaN and infinities are refused.");

    private static List<RequestedOutput> DecodeOutputs(JsonElement root, bool allBinary)
    {
        if (!root.TryGetProperty("outputs", out var outputs))
            return OutputNames.Select(name => new RequestedOutput(name, allBinary, null)).ToList();
        if (outputs.ValueKind != JsonValueKind.Array)
            throw OpenInferenceApi.Error.BadRequest("'outputs' must be an array of {\"name\": ...} objects.");
        var requested = new List<RequestedOutput>();
        foreach (var output in outputs.EnumerateArray())
        {
            var name = output.ValueKind == JsonValueKind.Object && output.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
                ? n.GetString()! : throw OpenInferenceApi.Error.BadRequest("Each requested output must be an object with a 'name'.");
            if (!OutputNames.Contains(name))
                throw OpenInferenceApi.Error.BadRequest($"Unknown output '{Clip(name)}': the model's outputs are {string.Join(", ", OutputNames.Select(o => $"'{o}'"))}.");
            if (requested.Any(r => r.Name == name)) throw OpenInferenceApi.Error.BadRequest($"The output '{name}' is asked for twice.");
            bool binary = allBinary;
            int? classification = null;
            if (output.TryGetProperty("parameters", out var parameters))
            {
                if (parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty("binary_data", out _))
                    binary = Flag(parameters, "binary_data", $"output '{name}'");
                if (parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty("classification", out var k))
                {
                    if (name != ModelContract.ProbabilitiesOutput)
                        throw OpenInferenceApi.Error.BadRequest($"Classification is offered on '{ModelContract.ProbabilitiesOutput}' only, not on '{name}'.");
                    classification = k.TryGetInt32(out var top) && top is >= 1 and <= ModelContract.Classes
                        ? top
                        : throw OpenInferenceApi.Error.BadRequest($"'classification' must be a whole number from 1 to {ModelContract.Classes}.");
                }
            }
            requested.Add(new RequestedOutput(name, binary, classification));
        }
        return requested.Count > 0 ? requested : OutputNames.Select(name => new RequestedOutput(name, allBinary, null)).ToList();
    }

    private static bool Flag(JsonElement parameters, string name, string where)
    {
        if (parameters.ValueKind != JsonValueKind.Object) throw OpenInferenceApi.Error.BadRequest($"The {where} must be an object.");
        if (!parameters.TryGetProperty(name, out var value)) return false;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw OpenInferenceApi.Error.BadRequest($"'{name}' in {where} must be true or false."),
        };
    }

    /// <summary>The whole body, refused over <paramref name="maxBytes"/> (413) as Kestrel would, also where Kestrel's
    /// own limit does not apply (the in-memory test server).</summary>
    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } length && length > maxBytes) throw TooLarge(length, maxBytes);
        using var buffer = new MemoryStream(request.ContentLength is { } known ? (int)known : 16 * 1024);
        var chunk = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes) throw TooLarge(null, maxBytes);
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e)
        {
            throw e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? TooLarge(null, maxBytes)
                : new OpenInferenceApi.Error(e.StatusCode, "The request body could not be read: it arrived too slowly or ended early.");
        }
        return buffer.ToArray();
    }

    private static OpenInferenceApi.Error TooLarge(long? length, long limit) => new(StatusCodes.Status413PayloadTooLarge,
        length is { } bytes ? $"The request body is {bytes:N0} bytes; the limit is {limit:N0} bytes." : $"The request body is larger than the limit of {limit:N0} bytes.");

    /// <summary>Client-supplied text, cut short and without control characters.</summary>
    private static string Clip(string text, int max = 60)
    {
        var clean = new string(text.Where(c => !char.IsControl(c)).ToArray());
        return clean.Length <= max ? clean : clean[..max] + "…";
    }

    /// <summary>The binary section after the JSON, consumed input by input.</summary>
    private sealed class BinaryCursor(byte[] body, int start)
    {
        private int _at = start;

        public int Remaining => body.Length - _at;

        /// <summary>The next <paramref name="count"/> bytes (at most <see cref="Remaining"/>).</summary>
        public ReadOnlySpan<byte> Take(int count)
        {
            var span = body.AsSpan(_at, count);
            _at += count;
            return span;
        }
    }
}
