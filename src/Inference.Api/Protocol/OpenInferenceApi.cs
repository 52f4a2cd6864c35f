using System.Buffers;
using System.Buffers.Binary;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CapsNetService.Inference.Api.Protocol;

/// <summary>
/// The Open Inference Protocol (KServe "v2", as NVIDIA Triton, KServe, Seldon MLServer and TorchServe speak it) over
/// REST, beside the service's own API, so that v2 clients, gateways and dashboards work unchanged: server and model
/// metadata, health, and POST /v2/models/capsnet/infer with the binary tensor data and classification extensions.
/// The model is named <see cref="ModelName"/>; its version is the serving model's version string.
/// <para>Inference goes the way of POST /predict (<see cref="PredictionPipeline.ClassifyAsync"/>): a request of one
/// image through the micro-batcher, where it shares a call with other requests; a request of N images as one call.
/// Errors on these routes are <c>{"error": "..."}</c> as the protocol says (400 malformed, 404 unknown model or
/// version, 413 too large, 503 no model), not problem+json.</para>
/// </summary>
public static class OpenInferenceApi
{
    public const string ModelName = "capsnet";

    /// <summary>ONNX Runtime's platform name in the protocol.</summary>
    public const string Platform = "onnx_onnxv1";

    public static readonly string[] Extensions = ["binary_tensor_data", "classification"];

    private const string RetryAfterSeconds = "10";

    public static IEndpointRouteBuilder MapOpenInferenceApi(this IEndpointRouteBuilder app)
    {
        var v2 = app.MapGroup("/v2").WithTags("Open Inference Protocol (v2)").DisableAntiforgery();
        v2.AddEndpointFilter(async (invocation, next) =>
        {
            try
            {
                return await next(invocation);
            }
            catch (Error error)
            {
                return error.ToResult();
            }
            catch (ModelUnavailableException)
            {
                invocation.HttpContext.Response.Headers.RetryAfter = RetryAfterSeconds;
                return NoModel().ToResult();
            }
        });

        v2.MapGet("", ServerMetadata).WithName("V2ServerMetadata")
          .WithSummary("Server metadata: name, version and the protocol extensions it supports.");
        v2.MapGet("/health/live", Live).WithName("V2Live")
          .WithSummary("Server liveness: 200 while the process answers.");
        v2.MapGet("/health/ready", Ready).WithName("V2Ready")
          .WithSummary("Server readiness: 200 while a model is loaded and serving, 503 before.")
          .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);

        v2.MapGet("/models/{name}", ModelMetadata).WithName("V2ModelMetadata")
          .WithSummary("Model metadata: versions, platform, and each input and output with its datatype and shape (-1: the batch).")
          .Produces<ErrorResponse>(StatusCodes.Status404NotFound);
        v2.MapGet("/models/{name}/versions/{version}", VersionMetadata).WithName("V2ModelVersionMetadata")
          .WithSummary("Model metadata of one version (the serving model's version string).")
          .Produces<ErrorResponse>(StatusCodes.Status404NotFound);
        v2.MapGet("/models/{name}/ready", ModelReady).WithName("V2ModelReady")
          .WithSummary("Model readiness: 200 while the model is loaded, 503 before.")
          .Produces<ErrorResponse>(StatusCodes.Status404NotFound).Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);
        v2.MapGet("/models/{name}/versions/{version}/ready", VersionReady).WithName("V2ModelVersionReady")
          .WithSummary("Readiness of one model version.")
          .Produces<ErrorResponse>(StatusCodes.Status404NotFound).Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);

        v2.MapPost("/models/{name}/infer", Infer).WithName("V2Infer").WithInferenceDocumentation(
            "Classify N images given as the tensor 'image', FP32 or UINT8, shape [N, 1, 28, 28].");
        v2.MapPost("/models/{name}/versions/{version}/infer", InferVersion).WithName("V2InferVersion").WithInferenceDocumentation(
            "As POST /v2/models/{name}/infer, refused with 404 unless {version} is the serving model's version.");
        return app;
    }

    private static RouteHandlerBuilder WithInferenceDocumentation(this RouteHandlerBuilder builder, string summary) => builder
        .WithSummary(summary)
        .WithDescription(
            "JSON: {\"id\": \"…\", \"inputs\": [{\"name\": \"image\", \"datatype\": \"FP32\", \"shape\": [N, 1, 28, 28], \"data\": [784·N values, "
            + "flat or nested, row-major, white digit on black in [0, 1]]}], \"outputs\": [{\"name\": \"probabilities\"}]}. Outputs: "
            + "probabilities [N, 10], capsules [N, 10, 16], reconstruction [N, 1, 28, 28] (all three when none is named). "
            + "Binary tensor data: the JSON, then the raw little-endian tensor bytes, with the header Inference-Header-Content-Length "
            + "giving the JSON's length and parameters.binary_data_size on the input; outputs come back binary with "
            + "parameters.binary_data (per output) or binary_data_output (request). Classification: parameters.classification = k on "
            + "the probabilities output returns the top k as \"value:index\" strings (BYTES). N is at most Uploads:MaxBatchImages; "
            + "NaN and infinities are refused.")
        .Accepts<InferenceRequest>("application/json", "application/octet-stream")
        .Produces<InferenceResponse>(StatusCodes.Status200OK, "application/json", "application/octet-stream")
        .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
        .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
        .Produces<ErrorResponse>(StatusCodes.Status413PayloadTooLarge)
        .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);

    public static Ok<ServerMetadataResponse> ServerMetadata() => TypedResults.Ok(new ServerMetadataResponse(
        typeof(OpenInferenceApi).Assembly.GetName().Name ?? "capsnet-api", ServiceVersion, Extensions));

    public static Ok<HealthStatusResponse> Live() => TypedResults.Ok(new HealthStatusResponse(Live: true, Ready: null));

    public static Results<Ok<HealthStatusResponse>, JsonHttpResult<ErrorResponse>> Ready(OnnxModelStore store) => store.IsLoaded
        ? TypedResults.Ok(new HealthStatusResponse(Live: null, Ready: true))
        : NoModel().ToResult();

    public static Ok<ModelMetadataResponse> ModelMetadata(string name, OnnxModelStore store)
    {
        RequireName(name);
        return TypedResults.Ok(Describe(store.Current?.Version is { } version ? [version] : []));
    }

    public static Ok<ModelMetadataResponse> VersionMetadata(string name, string version, OnnxModelStore store)
    {
        RequireName(name);
        RequireVersion(version, store);
        return TypedResults.Ok(Describe([version]));
    }

    public static Ok<ModelReadyResponse> ModelReady(string name, OnnxModelStore store)
    {
        RequireName(name);
        return TypedResults.Ok(new ModelReadyResponse(ModelName, (store.Current ?? throw new ModelUnavailableException()).Version, Ready: true));
    }

    public static Ok<ModelReadyResponse> VersionReady(string name, string version, OnnxModelStore store)
    {
        RequireName(name);
        RequireVersion(version, store);
        return TypedResults.Ok(new ModelReadyResponse(ModelName, version, Ready: true));
    }

    public static Task<IResult> Infer(string name, HttpContext context, PredictionPipeline pipeline, OnnxModelStore store,
                                      IOptions<UploadLimitsOptions> limits) =>
        RunAsync(name, null, context, pipeline, store, limits.Value);

    public static Task<IResult> InferVersion(string name, string version, HttpContext context, PredictionPipeline pipeline,
                                             OnnxModelStore store, IOptions<UploadLimitsOptions> limits) =>
        RunAsync(name, version, context, pipeline, store, limits.Value);

    private static async Task<IResult> RunAsync(string name, string? version, HttpContext context, PredictionPipeline pipeline,
                                                OnnxModelStore store, UploadLimitsOptions limits)
    {
        var started = Stopwatch.GetTimestamp();
        RequireName(name);
        var serving = store.Current?.Version ?? "";
        try
        {
            if (version is not null) RequireVersion(version, store);
            else if (!store.IsLoaded) throw new ModelUnavailableException();   // before the body is read
            var request = await InferenceRequestReader.ReadAsync(context.Request, limits.MaxRequestBytes, limits.MaxBatchImages,
                                                                 context.RequestAborted);
            var waitStarted = Stopwatch.GetTimestamp();
            var inference = await pipeline.ClassifyAsync(request.Images, context.RequestAborted);
            var waited = Stopwatch.GetElapsedTime(waitStarted);
            // A model swapped in while the request waited answered it: not the version the client asked for.
            if (version is not null && inference.ModelVersion != version) throw UnknownVersion(version, inference.ModelVersion);

            var (body, jsonLength) = WriteResponse(request, inference);
            ApiConventions.SetModelVersionHeader(context, inference.ModelVersion);
            OpenInferenceMetrics.RecordSuccess(inference.ModelVersion, Stopwatch.GetElapsedTime(started), waited - inference.Elapsed, inference.Elapsed);
            if (jsonLength is not { } length) return TypedResults.Bytes(body, "application/json");
            context.Response.Headers[InferenceRequestReader.HeaderContentLength] = length.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Bytes(body, "application/octet-stream");
        }
        catch (Exception e) when (e is Error or ModelUnavailableException)
        {
            OpenInferenceMetrics.RecordFailure(serving);
            throw;
        }
    }

    /// <summary>The answer: JSON, then (when any output is binary) each binary output's bytes in output order.</summary>
    /// <returns>The body, and the JSON's length when binary data follows it.</returns>
    private static (byte[] Body, int? JsonLength) WriteResponse(InferenceRequestReader.Decoded request, InferenceRunner.BatchInference inference)
    {
        var json = new ArrayBufferWriter<byte>();
        var binary = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteString("model_name", ModelName);
            writer.WriteString("model_version", inference.ModelVersion);
            if (request.Id is not null) writer.WriteString("id", request.Id);
            writer.WriteStartArray("outputs");
            foreach (var output in request.Outputs) WriteOutput(writer, binary, output, inference.Predictions);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        if (binary.WrittenCount == 0) return (json.WrittenSpan.ToArray(), null);
        return ([.. json.WrittenSpan, .. binary.WrittenSpan], json.WrittenCount);
    }

    private static void WriteOutput(Utf8JsonWriter writer, ArrayBufferWriter<byte> binary, InferenceRequestReader.RequestedOutput output,
                                    IReadOnlyList<DigitPrediction> predictions)
    {
        int n = predictions.Count;
        writer.WriteStartObject();
        writer.WriteString("name", output.Name);
        if (output.Classification is { } k)
        {
            var classes = predictions.SelectMany(p => TopClasses(p.Probabilities, k)).ToList();
            writer.WriteString("datatype", "BYTES");
            WriteShape(writer, [n, k]);
            if (output.Binary)
            {
                int before = binary.WrittenCount;
                foreach (var text in classes)
                {
                    // BYTES in binary: each element as a 4-byte little-endian length, then its bytes.
                    var bytes = Encoding.UTF8.GetBytes(text);
                    BinaryPrimitives.WriteInt32LittleEndian(binary.GetSpan(4), bytes.Length);
                    binary.Advance(4);
                    binary.Write(bytes);
                }
                WriteBinarySize(writer, binary.WrittenCount - before);
            }
            else
            {
                writer.WriteStartArray("data");
                foreach (var text in classes) writer.WriteStringValue(text);
                writer.WriteEndArray();
            }
        }
        else
        {
            var (select, shape) = output.Name switch
            {
                ModelContract.ProbabilitiesOutput => ((Func<DigitPrediction, float[]>)(p => p.Probabilities), new long[] { n, ModelContract.Classes }),
                ModelContract.CapsulesOutput => (p => p.Capsules, [n, ModelContract.Classes, ModelContract.CapsuleDims]),
                _ => (p => p.Reconstruction, [n, 1, ModelContract.ImageSide, ModelContract.ImageSide]),
            };
            writer.WriteString("datatype", "FP32");
            WriteShape(writer, shape);
            if (output.Binary)
            {
                int before = binary.WrittenCount;
                foreach (var prediction in predictions)
                    foreach (var value in select(prediction))
                    {
                        BinaryPrimitives.WriteSingleLittleEndian(binary.GetSpan(4), value);
                        binary.Advance(4);
                    }
                WriteBinarySize(writer, binary.WrittenCount - before);
            }
            else
            {
                writer.WriteStartArray("data");
                foreach (var prediction in predictions)
                    foreach (var value in select(prediction)) writer.WriteNumberValue(value);
                writer.WriteEndArray();
            }
        }
        writer.WriteEndObject();
    }

    /// <summary>The top k classes as Triton writes them: "value:index", value with six decimals, largest first.</summary>
    private static IEnumerable<string> TopClasses(float[] probabilities, int k) =>
        probabilities.Select((value, index) => (value, index))
                     .OrderByDescending(c => c.value).ThenBy(c => c.index).Take(k)
                     .Select(c => $"{c.value.ToString("F6", CultureInfo.InvariantCulture)}:{c.index}");

    private static void WriteShape(Utf8JsonWriter writer, long[] shape)
    {
        writer.WriteStartArray("shape");
        foreach (var dim in shape) writer.WriteNumberValue(dim);
        writer.WriteEndArray();
    }

    private static void WriteBinarySize(Utf8JsonWriter writer, int bytes)
    {
        writer.WriteStartObject("parameters");
        writer.WriteNumber("binary_data_size", bytes);
        writer.WriteEndObject();
    }

    private static ModelMetadataResponse Describe(string[] versions) => new(ModelName, versions, Platform,
        [new TensorMetadata(ModelContract.ImageInput, "FP32", [-1, 1, ModelContract.ImageSide, ModelContract.ImageSide])],
        [
            new TensorMetadata(ModelContract.ProbabilitiesOutput, "FP32", [-1, ModelContract.Classes]),
            new TensorMetadata(ModelContract.CapsulesOutput, "FP32", [-1, ModelContract.Classes, ModelContract.CapsuleDims]),
            new TensorMetadata(ModelContract.ReconstructionOutput, "FP32", [-1, 1, ModelContract.ImageSide, ModelContract.ImageSide]),
        ]);

    private static void RequireName(string name)
    {
        if (name != ModelName) throw new Error(StatusCodes.Status404NotFound, $"Unknown model '{Clip(name)}'; this server serves '{ModelName}'.");
    }

    /// <exception cref="ModelUnavailableException">No model is loaded.</exception>
    private static void RequireVersion(string version, OnnxModelStore store)
    {
        var serving = (store.Current ?? throw new ModelUnavailableException()).Version;
        if (version != serving) throw UnknownVersion(version, serving);
    }

    private static Error UnknownVersion(string version, string serving) => new(StatusCodes.Status404NotFound,
        $"Model '{ModelName}' has no version '{Clip(version)}'; the serving version is '{serving}'.");

    private static Error NoModel() => new(StatusCodes.Status503ServiceUnavailable,
        $"Model '{ModelName}' is not ready: no model is loaded yet (GET /model says why).");

    private static string ServiceVersion { get; } =
        typeof(OpenInferenceApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(OpenInferenceApi).Assembly.GetName().Version?.ToString() ?? "0";

    private static string Clip(string text, int max = 80)
    {
        var clean = new string(text.Where(c => !char.IsControl(c)).ToArray());
        return clean.Length <= max ? clean : clean[..max] + "…";
    }

    /// <summary>A refused request on the v2 routes: its status and the protocol's <c>{"error": "..."}</c>.</summary>
    public sealed class Error(int status, string message) : Exception(message)
    {
        public int Status { get; } = status;

        public static Error BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);

        public JsonHttpResult<ErrorResponse> ToResult() => TypedResults.Json(new ErrorResponse(Message), statusCode: Status);
    }
}

/// <summary>An error on the v2 routes, as the Open Inference Protocol writes it.</summary>
/// <param name="Error">What was wrong, in a sentence.</param>
public sealed record ErrorResponse([property: JsonPropertyName("error")] string Error);

/// <summary>GET /v2.</summary>
public sealed record ServerMetadataResponse(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("extensions")] IReadOnlyList<string> Extensions);

/// <summary>GET /v2/health/live and /v2/health/ready; the status code is the answer (200: true).</summary>
public sealed record HealthStatusResponse(
    [property: JsonPropertyName("live"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Live,
    [property: JsonPropertyName("ready"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Ready);

/// <summary>GET /v2/models/{name}/ready.</summary>
public sealed record ModelReadyResponse(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("ready")] bool Ready);

/// <summary>GET /v2/models/{name}: the model's tensors; -1 is the batch dimension.</summary>
public sealed record ModelMetadataResponse(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("versions")] IReadOnlyList<string> Versions,
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("inputs")] IReadOnlyList<TensorMetadata> Inputs,
    [property: JsonPropertyName("outputs")] IReadOnlyList<TensorMetadata> Outputs);

/// <summary>A tensor's name, datatype (FP32, UINT8, BYTES) and shape.</summary>
public sealed record TensorMetadata(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("datatype")] string Datatype,
    [property: JsonPropertyName("shape")] IReadOnlyList<long> Shape);

/// <summary>POST /v2/models/{name}/infer (documentation of the body; it is read by <see cref="InferenceRequestReader"/>).</summary>
public sealed record InferenceRequest(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("parameters")] Dictionary<string, JsonElement>? Parameters,
    [property: JsonPropertyName("inputs")] IReadOnlyList<InferenceTensor> Inputs,
    [property: JsonPropertyName("outputs")] IReadOnlyList<RequestedOutputTensor>? Outputs);

/// <summary>A tensor of a request or an answer: <c>data</c> row-major (nested arrays allowed in requests), or
/// <c>parameters.binary_data_size</c> bytes after the JSON.</summary>
public sealed record InferenceTensor(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("datatype")] string Datatype,
    [property: JsonPropertyName("shape")] IReadOnlyList<long> Shape,
    [property: JsonPropertyName("parameters")] Dictionary<string, JsonElement>? Parameters,
    [property: JsonPropertyName("data")] JsonElement? Data);

/// <summary>An output the request asks for; parameters: binary_data (bool), classification (k).</summary>
public sealed record RequestedOutputTensor(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("parameters")] Dictionary<string, JsonElement>? Parameters);

/// <summary>The answer of POST /v2/models/{name}/infer.</summary>
public sealed record InferenceResponse(
    [property: JsonPropertyName("model_name")] string ModelName,
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("outputs")] IReadOnlyList<InferenceTensor> Outputs);
