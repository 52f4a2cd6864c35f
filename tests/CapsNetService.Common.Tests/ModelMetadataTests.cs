namespace CapsNetService.Common.Tests;

public sealed class ModelMetadataTests
{
    private static readonly ModelMetadata Full = new()
    {
        ModelVersion = "2025-11-28T14-30-00Z-e50",
        TrainedAt = new DateTimeOffset(2025, 11, 28, 14, 30, 0, 123, TimeSpan.FromHours(1)),
        Epochs = 50,
        TestAccuracy = 0.9966,
        RoutingIterations = 3,
        CheckpointSha256 = "3f2a9c0e5b7d4e1f8a6c2b9d0e7f1a3c5b8d2e4f6a9c1b3d5e7f9a2c4b6d8e0f",
        Producer = "CapsNetService.Training",
        ProducerVersion = "1.0.0",
        Seed = 42,
        Device = "cuda",
        SecondsPerEpoch = 61.25,
        TrainingCommand = "capsnet-train --epochs 50 --seed 42",
        InitializedFrom = "model 20261128-e11-c6b2f2ee (11 epochs)",
        Int8 = new Int8Quantization
        {
            TestAccuracy = 0.9968, Fp32TestAccuracy = 0.997, TestImages = 10_000, CalibrationImages = 1000,
            Calibration = "min/max", QuantizedLayers = ["conv1", "primary"],
        },
    };

    private static readonly ModelMetadata Minimal = Full with { Seed = null, Device = null, SecondsPerEpoch = null, TrainingCommand = null, InitializedFrom = null, Int8 = null };

    public static TheoryData<string> Cases => new() { "full", "minimal" };

    private static ModelMetadata Case(string name) => name == "full" ? Full : Minimal;

    [Theory]
    [MemberData(nameof(Cases))]
    public void JsonRoundTrips(string name)
    {
        var metadata = Case(name);

        var json = metadata.ToJson();

        Assert.Equal(metadata, ModelMetadata.FromJson(json));
        Assert.Contains("\"testAccuracy\": 0.9966", json);       // camelCase, a number
        Assert.DoesNotContain("null", json);                      // absent optionals are left out
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PropertiesRoundTrip(string name)
    {
        var metadata = Case(name);

        var properties = metadata.ToProperties();

        Assert.All(properties.Keys, key => Assert.StartsWith("capsnet.", key));
        Assert.Equal(metadata, ModelMetadata.FromProperties(properties));
    }

    [Fact]
    public void PropertiesAreReadableStrings()
    {
        var properties = Full.ToProperties();

        Assert.Equal("50", properties["capsnet.epochs"]);
        Assert.Equal("0.9966", properties["capsnet.testAccuracy"]);
        Assert.Equal("cuda", properties["capsnet.device"]);
        // The int8 section is one property holding its JSON, as the rejection calibration is.
        Assert.Contains("\"fp32TestAccuracy\"", properties["capsnet.int8"]);
        Assert.True(Full.Int8!.Passed);
        Assert.Equal("model 20261128-e11-c6b2f2ee (11 epochs)", properties["capsnet.initializedFrom"]);
        Assert.Equal(14, properties.Count);
        Assert.False(Minimal.ToProperties().ContainsKey("capsnet.seed"));
        Assert.False(Minimal.ToProperties().ContainsKey("capsnet.initializedFrom"));
        Assert.False(Minimal.ToProperties().ContainsKey("capsnet.int8"));
    }

    [Fact]
    public void The_published_files_hashes_are_kept_in_the_sidecar_json_and_never_in_the_onnx_properties()
    {
        var files = new PublishedFileHashes(new string('a', 64), new string('b', 64), new string('c', 64));
        var sidecar = Full with { Files = files };

        var json = sidecar.ToJson();
        Assert.Equal(sidecar, ModelMetadata.FromJson(json));
        Assert.Contains($"\"int8Classifier\": \"{new string('c', 64)}\"", json);
        Assert.Null(ModelMetadata.FromJson((sidecar with { Files = files with { Int8Classifier = null } }).ToJson()).Files!.Int8Classifier);

        Assert.False(sidecar.ToProperties().ContainsKey("capsnet.files"));
        Assert.Equal(Full, ModelMetadata.FromProperties(sidecar.ToProperties()));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("abc"u8)), PublishedFileHashes.Of("abc"u8));
    }

    [Fact]
    public void RecordIn_rewrites_the_sidecar_of_the_kind_owning_the_graph_and_leaves_others_alone()
    {
        var folder = Directory.CreateTempSubdirectory("capsnet-hashes-");
        try
        {
            var files = new PublishedFileHashes(new string('a', 64), new string('b', 64));
            File.WriteAllText(Path.Combine(folder.FullName, ModelContract.MetadataFileName), (Full with { Files = files }).ToJson());

            var (name, json) = PublishedFileHashes.RecordIn(folder.FullName, ModelContract.DecoderFileName, "new decoder"u8)!.Value;
            Assert.Equal(ModelContract.MetadataFileName, name);
            Assert.Equal(Full with { Files = files with { Decoder = PublishedFileHashes.Of("new decoder"u8) } }, ModelMetadata.FromJson(json));

            Assert.Null(PublishedFileHashes.RecordIn(folder.FullName, MultiMnistContract.ModelFileName, "x"u8));   // no multimnist.json
            Assert.Null(PublishedFileHashes.RecordIn(folder.FullName, "notes.txt", "x"u8));
            File.WriteAllText(Path.Combine(folder.FullName, ModelContract.MetadataFileName), Full.ToJson());    // records no hashes
            Assert.Null(PublishedFileHashes.RecordIn(folder.FullName, ModelContract.ModelFileName, "x"u8));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void UnknownAndUnprefixedPropertiesAreIgnored()
    {
        var properties = new Dictionary<string, string>(Full.ToProperties())
        {
            ["capsnet.somethingNewer"] = "ignored",
            ["producer_name"] = "onnx exporter",
        };

        Assert.Equal(Full, ModelMetadata.FromProperties(properties));
    }

    [Theory]
    [InlineData("capsnet.epochs")]
    [InlineData("capsnet.modelVersion")]
    [InlineData("capsnet.checkpointSha256")]
    public void MissingRequiredPropertyFails(string key)
    {
        var properties = new Dictionary<string, string>(Full.ToProperties());
        properties.Remove(key);

        var error = Assert.Throws<InvalidDataException>(() => ModelMetadata.FromProperties(properties));

        Assert.Contains(key["capsnet.".Length..], error.Message);
    }

    [Fact]
    public void MalformedNumberFails()
    {
        var properties = new Dictionary<string, string>(Full.ToProperties()) { ["capsnet.epochs"] = "fifty" };

        Assert.Throws<InvalidDataException>(() => ModelMetadata.FromProperties(properties));
    }
}
