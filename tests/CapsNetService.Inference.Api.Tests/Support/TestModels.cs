
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

    /// <summary>
    /// The overlapping-digits model the tests run on: <c>CAPSNET_TEST_MULTIMNIST_DIR</c> when set, else the
    /// repository's <c>models/</c> when it holds <see cref="MultiMnistContract.ModelFileName"/>; null when there is none
    /// (the tests that need one are skipped, saying so).
    /// </summary>
    public static string? MultiMnistDirectory { get; } = LocateMultiMnist();

    /// <summary>What the overlapping-digits model says about itself; null without one.</summary>
    public static ModelMetadata? MultiMnistMetadata { get; } = MultiMnistDirectory is { } found
        ? ModelMetadata.FromJson(File.ReadAllText(Path.Combine(found, MultiMnistContract.MetadataFileName)))
        : null;

    /// <summary>A model whose both-correct test accuracy is under this is taken for untrained (random weights): tests
    /// that need its digits right are skipped.</summary>
    public const double TrainedMultiMnistAccuracy = 0.5;

    /// <summary>Why the overlapping-digits tests cannot run, or null when they can.</summary>
    public static string? MultiMnistMissing => MissingIn(MultiMnistDirectory);

    /// <summary>Why the tests that need the digits right cannot run, or null when they can.</summary>
    public static string? MultiMnistUntrained => UntrainedIn(MultiMnistDirectory);

    /// <summary>Why the shipped overlapping-digits model (the repository's models/) cannot be checked for its accuracy, or null.</summary>
    public static string? ShippedMultiMnistUntrained =>
        UntrainedIn(File.Exists(Path.Combine(RepositoryModels, MultiMnistContract.ModelFileName)) ? RepositoryModels : null);

    private static string? MissingIn(string? directory) => directory is null
        ? $"no overlapping-digits model: models/ holds no {MultiMnistContract.ModelFileName} (it is committed once trained), "
          + "and CAPSNET_TEST_MULTIMNIST_DIR is not set"
        : null;

    private static string? UntrainedIn(string? directory)
    {
        if (MissingIn(directory) is { } missing) return missing;
        var metadata = ModelMetadata.FromJson(File.ReadAllText(Path.Combine(directory!, MultiMnistContract.MetadataFileName)));
        return metadata.TestAccuracy < TrainedMultiMnistAccuracy
            ? $"the overlapping-digits model {metadata.ModelVersion} is untrained (both-correct test accuracy "
              + $"{metadata.TestAccuracy:P1} in {MultiMnistContract.MetadataFileName}, under {TrainedMultiMnistAccuracy:P0})"
            : null;
    }

    /// <summary>Copies the overlapping-digits model's files into <paramref name="directory"/>, classifier last (as the trainer publishes).</summary>
    public static void CopyMultiMnistTo(string directory)
    {
        var from = MultiMnistDirectory ?? throw new InvalidOperationException(MultiMnistMissing);
        foreach (var name in new[] { MultiMnistContract.DecoderFileName, MultiMnistContract.MetadataFileName, MultiMnistContract.ModelFileName })
            File.Copy(Path.Combine(from, name), Path.Combine(directory, name), overwrite: true);
    }

    private static string? LocateMultiMnist()
    {
        var candidate = Environment.GetEnvironmentVariable("CAPSNET_TEST_MULTIMNIST_DIR") is { Length: > 0 } named
            ? Path.GetFullPath(named)
            : RepositoryModels;
        return File.Exists(Path.Combine(candidate, MultiMnistContract.ModelFileName)) ? candidate : null;
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
