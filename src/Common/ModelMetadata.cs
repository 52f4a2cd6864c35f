using System.Text.Json;
using System.Text.Json.Serialization;
using CapsNetService.Common.Rejection;

namespace CapsNetService.Common;

/// <summary>
/// What a published model says about itself. Stored twice: in the ONNX file's metadata_props (keys prefixed
/// <c>capsnet.</c>), so the file is self-describing, and in the sidecar JSON, for people and scripts.
/// </summary>
public sealed record ModelMetadata
{
    public const string KeyPrefix = "capsnet.";

    public required string ModelVersion { get; init; }
    /// <summary><see cref="ModelKinds.Mnist"/> or <see cref="ModelKinds.MultiMnist"/>; null (models exported before
    /// there were two kinds) means MNIST.</summary>
    public string? Kind { get; init; }
    public required DateTimeOffset TrainedAt { get; init; }
    public required int Epochs { get; init; }
    /// <summary>Test-set accuracy of the exported checkpoint, as a fraction in [0, 1]. For a MultiMNIST model, the share
    /// of test pairs whose two longest capsules are exactly their two digits ("both correct").</summary>
    public required double TestAccuracy { get; init; }
    /// <summary>MultiMNIST only: the share of test pairs with at least one of the two digits among the two longest capsules.</summary>
    public double? TestAtLeastOneAccuracy { get; init; }
    /// <summary>MultiMNIST only: how many pairs of the fixed test set <see cref="TestAccuracy"/> was measured on.</summary>
    public int? TestPairs { get; init; }
    /// <summary>Accuracy of the exported checkpoint on the training images held out to choose it (the training run's
    /// --validation), as a fraction; null when the epoch was chosen on the test set.</summary>
    public double? ValidationAccuracy { get; init; }
    /// <summary>How many training images were held out for <see cref="ValidationAccuracy"/>.</summary>
    public int? ValidationImages { get; init; }
    /// <summary>MultiMNIST only: how many validation pairs (drawn from the held-out training digits) chose the epoch.</summary>
    public int? ValidationPairs { get; init; }

    /// <summary>The kind, with a missing one read as MNIST.</summary>
    [JsonIgnore]
    public string KindOrDefault => Kind ?? ModelKinds.Mnist;
    public required int RoutingIterations { get; init; }
    public required string CheckpointSha256 { get; init; }
    public required string Producer { get; init; }
    public required string ProducerVersion { get; init; }
    public int? Seed { get; init; }
    public string? Device { get; init; }
    public double? SecondsPerEpoch { get; init; }
    /// <summary>The command line that gives the training run's options; paths in it are relative as typed, or file
    /// names, never a machine's absolute folders.</summary>
    public string? TrainingCommand { get; init; }
    /// <summary>All of the training run's options, as the JSON of the trainer's options record (the same object its
    /// checkpoints and report keep).</summary>
    public string? TrainingOptions { get; init; }
    /// <summary>The weights the training run started from (a model version or a checkpoint hash, and its epochs; the
    /// run went on from there, and <see cref="Epochs"/> counts them too); null when it started from random weights.</summary>
    public string? InitializedFrom { get; init; }
    /// <summary>The thresholds that tell a digit from anything else and the rates measured with them
    /// (<c>capsnet-train calibrate</c>); null for an uncalibrated model, which rejects nothing.</summary>
    [JsonConverter(typeof(EmbeddedJsonConverter<RejectionCalibration>))]
    public RejectionCalibration? Rejection { get; init; }
    /// <summary>The int8 graph made from this model (<c>capsnet-train quantize</c>) and its measured accuracy; null when
    /// there is none.</summary>
    [JsonConverter(typeof(EmbeddedJsonConverter<Int8Quantization>))]
    public Int8Quantization? Int8 { get; init; }
    /// <summary>The SHA-256 of each graph file published with this sidecar; written into the sidecar only, never into
    /// an ONNX file's metadata_props (<see cref="ToProperties"/> leaves it out); null in sidecars written before it was
    /// recorded, whose files are not checked.</summary>
    [JsonConverter(typeof(EmbeddedJsonConverter<PublishedFileHashes>))]
    public PublishedFileHashes? Files { get; init; }

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // A file for people and scripts, never embedded in a page: keep quotes and "+" readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // metadata_props holds strings only; numbers come back from their text.
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static ModelMetadata FromJson(string json) =>
        JsonSerializer.Deserialize<ModelMetadata>(json, JsonOptions)
        ?? throw new InvalidDataException("model metadata JSON is empty");

    /// <summary>The ONNX metadata_props form: one string per property, without <see cref="Files"/>.</summary>
    public IReadOnlyDictionary<string, string> ToProperties()
    {
        var properties = new Dictionary<string, string>();
        foreach (var (name, value) in JsonSerializer.SerializeToElement(this with { Files = null }, JsonOptions).EnumerateObject()
                                                    .Select(p => (p.Name, p.Value)))
        {
            properties[KeyPrefix + name] = value.ValueKind == JsonValueKind.String
                ? value.GetString()!
                : value.GetRawText();
        }
        return properties;
    }

    /// <summary>Reads <see cref="ToProperties"/> back; unknown keys are ignored, missing required ones fail.</summary>
    public static ModelMetadata FromProperties(IReadOnlyDictionary<string, string> properties)
    {
        var json = properties.Where(p => p.Key.StartsWith(KeyPrefix, StringComparison.Ordinal))
                             .ToDictionary(p => p.Key[KeyPrefix.Length..], p => p.Value);
        try
        {
            return JsonSerializer.Deserialize<ModelMetadata>(JsonSerializer.Serialize(json), JsonOptions)
                   ?? throw new InvalidDataException("model metadata is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"model metadata is incomplete or malformed: {e.Message}", e);
        }
    }
}
