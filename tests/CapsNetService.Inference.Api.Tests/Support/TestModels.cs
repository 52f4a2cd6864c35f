
namespace CapsNetService.Inference.Api.Tests.Support;

/// <summary>
/// The model the tests run on, the first that applies:
/// <list type="number">
/// <item><c>CAPSNET_TEST_MODEL_DIR</c>, when set; it counts as trained (digits must come out right) only with
///   <c>CAPSNET_TEST_MODEL_TRAINED=1</c>.</item>
/// <item>The repository's <c>models/</c>: the trained model, committed; the accuracy tests check digits.</item>
/// </list>
/// Tests never write into the folder they get here; those that publish models copy it to a temporary folder first.
/// </summary>
public static class TestModels
{
    public static string RepositoryModels { get; } = Path.Combine(RepositoryPaths.Root, "models");

    private static readonly string? Named = Environment.GetEnvironmentVariable("CAPSNET_TEST_MODEL_DIR") is { Length: > 0 } named
        ? Path.GetFullPath(named)
        : null;

    /// <summary>True when the tests run on a trained model, so digits must come out right.</summary>
    public static bool IsTrained { get; } =
        Named is null || Environment.GetEnvironmentVariable("CAPSNET_TEST_MODEL_TRAINED") == "1";

    public static string Directory { get; } = Locate();

    public static string ClassifierPath => Path.Combine(Directory, ModelContract.ModelFileName);
    public static string DecoderPath => Path.Combine(Directory, ModelContract.DecoderFileName);

    public static ModelMetadata Metadata { get; } =
        ModelMetadata.FromJson(File.ReadAllText(Path.Combine(Directory, ModelContract.MetadataFileName)));

    private static readonly Lazy<byte[]> ClassifierBytesLazy = new(() => File.ReadAllBytes(ClassifierPath));
    private static readonly Lazy<byte[]> DecoderBytesLazy = new(() => File.ReadAllBytes(DecoderPath));

    /// <summary>The repository's int8 graph (capsnet.int8.onnx, made from the repository's model by <c>capsnet-train quantize</c>).</summary>
    public static string Int8Path => Path.Combine(RepositoryModels, ModelContract.Int8ModelFileName);
    private static readonly Lazy<byte[]> Int8BytesLazy = new(() => File.ReadAllBytes(Int8Path));
    public static byte[] Int8Bytes => Int8BytesLazy.Value;
    public static Int8Quantization Int8Metadata() =>
        ModelMetadata.FromProperties(Onnx.ModelProto.Parser.ParseFrom(Int8Bytes).MetadataProps.ToDictionary(p => p.Key, p => p.Value)).Int8!;

    public static byte[] ClassifierBytes => ClassifierBytesLazy.Value;
    public static byte[] DecoderBytes => DecoderBytesLazy.Value;

    /// <summary>A fresh temporary folder holding a copy of the test model pair (and its sidecar).</summary>
    public static TemporaryDirectory CopyToTemporaryDirectory()
    {
        var directory = new TemporaryDirectory();
        foreach (var name in new[] { ModelContract.DecoderFileName, ModelContract.MetadataFileName, ModelContract.ModelFileName })
            File.Copy(Path.Combine(Directory, name), Path.Combine(directory.Path, name));
        return directory;
    }

    private static string Locate()
    {
        var candidate = Named ?? RepositoryModels;
        if (File.Exists(Path.Combine(candidate, ModelContract.ModelFileName))) return candidate;
        throw new InvalidOperationException(
            $"No model to test with: {candidate} holds no {ModelContract.ModelFileName}. "
            + "The trained model belongs in models/; or export one (capsnet-train export --out DIR) and set CAPSNET_TEST_MODEL_DIR=DIR.");
    }
}
