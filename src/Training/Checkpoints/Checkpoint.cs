using CapsNetService.Training.Run;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using CapsNetService.Training.Model;
using CapsNetService.Training.Reporting;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using CapsNetService.Training.IO;

namespace CapsNetService.Training.Checkpoints;

/// <summary>
/// A checkpoint file: a zip of <c>meta.json</c>, <c>model.bin</c> (TorchSharp weights) and, for the
/// resumable "last" checkpoint, <c>optimizer.bin</c> (Adam's moments) and, when the run averages its weights,
/// <c>average.bin</c> (the moving average, so that a resumed run goes on averaging). Written atomically.
/// </summary>
public static class Checkpoint
{
    private const string MetaEntry = "meta.json", ModelEntry = "model.bin", OptimizerEntry = "optimizer.bin",
                         AverageEntry = "average.bin";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // MultiMNIST epochs that did not evaluate the test pairs record NaN there.
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <param name="model">A <see cref="CapsNet"/> or, for MultiMNIST, a <see cref="BaselineCnn"/>, as
    /// <see cref="CheckpointMetadata.Model"/> says.</param>
    public static void Save(string path, nn.Module model, CheckpointMetadata metadata, optim.Optimizer? optimizer,
                            nn.Module? average = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            using (var meta = zip.CreateEntry(MetaEntry).Open())
                JsonSerializer.Serialize(meta, metadata, Json);
            using (var weights = zip.CreateEntry(ModelEntry, CompressionLevel.NoCompression).Open())
            using (var writer = new BinaryWriter(weights))
                model.save(writer);
            if (optimizer is OptimizerHelper helper)
            {
                using var state = zip.CreateEntry(OptimizerEntry, CompressionLevel.NoCompression).Open();
                using var writer = new BinaryWriter(state);
                helper.save_state_dict(writer);
            }
            if (average is not null)
            {
                using var averaged = zip.CreateEntry(AverageEntry, CompressionLevel.NoCompression).Open();
                using var writer = new BinaryWriter(averaged);
                average.save(writer);
            }
        });
    }

    public static CheckpointMetadata ReadMetadata(string path)
    {
        using var zip = Open(path);
        return ReadMetadata(zip, path);
    }

    /// <summary>Loads the weights into a new model on <paramref name="device"/>, built to train in
    /// <paramref name="precision"/> (the weights are float32 whatever the precision they were trained in).</summary>
    public static (CapsNet Model, CheckpointMetadata Metadata) LoadModel(string path, Device device,
                                                                       ConvolutionPrecision precision = ConvolutionPrecision.Fp32)
    {
        using var zip = Open(path);
        var metadata = ReadMetadata(zip, path);
        if (metadata.Model != ModelChoice.CapsNet)
            throw new CheckpointException($"{path} holds the baseline CNN ({metadata.Dataset.ToString().ToLowerInvariant()}), not a CapsNet");
        return (Load(zip, path, new CapsNet(metadata.Architecture, precision), device), metadata);
    }

    /// <summary>Loads the weights into a new model of the kind the checkpoint names (<see cref="CheckpointMetadata.Model"/>):
    /// a <see cref="CapsNet"/> or a <see cref="BaselineCnn"/>.</summary>
    public static (nn.Module Model, CheckpointMetadata Metadata) LoadNetwork(string path, Device device,
                                                                           ConvolutionPrecision precision = ConvolutionPrecision.Fp32)
    {
        using var zip = Open(path);
        var metadata = ReadMetadata(zip, path);
        return (Load(zip, path, CreateNetwork(metadata.Model, metadata.Architecture, precision), device), metadata);
    }

    /// <summary>A new, randomly initialised network of <paramref name="kind"/> for images of the architecture's side.</summary>
    public static nn.Module CreateNetwork(ModelChoice kind, CapsNetArchitecture architecture,
                                          ConvolutionPrecision precision = ConvolutionPrecision.Fp32) => kind switch
    {
        ModelChoice.CapsNet => new CapsNet(architecture, precision),
        ModelChoice.Cnn => new BaselineCnn(architecture.ImageSide, precision: precision),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static TModel Load<TModel>(ZipArchive zip, string path, TModel model, Device device) where TModel : nn.Module
    {
        try
        {
            using var reader = new BinaryReader(Entry(zip, ModelEntry, path));
            model.load(reader);
        }
        catch (Exception e) when (e is not CheckpointException)
        {
            model.Dispose();
            throw new CheckpointException($"{path}: the weights cannot be loaded into a {model.GetName()} ({e.Message})", e);
        }
        model.to(device);
        return model;
    }

    /// <summary>Restores Adam's state; false when the checkpoint has none (a "best" checkpoint).</summary>
    public static bool LoadOptimizer(string path, optim.Optimizer optimizer)
    {
        using var zip = Open(path);
        if (zip.GetEntry(OptimizerEntry) is null) return false;
        using var reader = new BinaryReader(Entry(zip, OptimizerEntry, path));
        ((OptimizerHelper)optimizer).load_state_dict(reader);
        return true;
    }

    /// <summary>Loads the moving average of the weights into <paramref name="average"/>; false when the checkpoint
    /// has none (its run did not average).</summary>
    public static bool LoadAverage(string path, CapsNet average) =>
        LoadAverage(path, average, () => new CapsNet(average.Architecture));

    /// <param name="create">A new model of <paramref name="average"/>'s kind and shape, on the CPU.</param>
    public static bool LoadAverage(string path, nn.Module average, Func<nn.Module> create)
    {
        using var zip = Open(path);
        if (zip.GetEntry(AverageEntry) is null) return false;
        using var reader = new BinaryReader(Entry(zip, AverageEntry, path));
        // Read on the CPU, then copy into the average wherever it lives.
        using var loaded = create();
        loaded.load(reader);
        loaded.to(average.parameters().First().device);
        average.load_state_dict(loaded.state_dict());
        return true;
    }

    public static string Sha256(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    private static ZipArchive Open(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException($"checkpoint not found: {path}");
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(File.OpenRead(path), ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException($"{path} is not a CapsNetService checkpoint (not a readable zip: {e.Message})", e);
        }
        try
        {
            VerifyChecksums(zip, path);
            return zip;
        }
        catch
        {
            zip.Dispose();
            throw;
        }
    }

    /// <summary>Every entry against the CRC-32 the zip records for it: a flipped bit anywhere (weights, Adam's state,
    /// the average) stops the read instead of resuming, evaluating or exporting corrupt numbers.</summary>
    private static void VerifyChecksums(ZipArchive zip, string path)
    {
        foreach (var entry in zip.Entries)
        {
            uint actual;
            try
            {
                using var stream = entry.Open();
                actual = Crc32.Of(stream);
            }
            catch (InvalidDataException e)
            {
                throw new CheckpointException($"{path}: {entry.FullName} is corrupt ({e.Message})", e);
            }
            if (actual != entry.Crc32)
                throw new CheckpointException($"{path}: {entry.FullName} is corrupt (CRC-32 {actual:x8}, the checkpoint records "
                                              + $"{entry.Crc32:x8}); it cannot be trusted");
        }
    }

    private static CheckpointMetadata ReadMetadata(ZipArchive zip, string path)
    {
        try
        {
            using var stream = Entry(zip, MetaEntry, path);
            var node = JsonNode.Parse(stream) as JsonObject ?? throw new CheckpointException($"{path}: {MetaEntry} is empty");
            int format = node["format"]?.GetValue<int>() ?? 0;
            if (format == 1 && node["settings"] is JsonObject settings)
            {
                // Format 1 kept the options that shape the result as "settings", with the same names, and the routing
                // iterations in the architecture.
                settings["routingIterations"] = node["architecture"]?["routingIterations"]?.DeepClone();
                node["options"] = settings.DeepClone();
            }
            else if (format != CheckpointMetadata.CurrentFormat)
            {
                throw new CheckpointException($"{path}: checkpoint format {format} is not supported (expected {CheckpointMetadata.CurrentFormat})");
            }
            return node.Deserialize<CheckpointMetadata>(Json) ?? throw new CheckpointException($"{path}: {MetaEntry} is empty");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or InvalidOperationException or FormatException)
        {
            throw new CheckpointException($"{path}: {MetaEntry} is corrupt ({e.Message})", e);
        }
    }

    /// <summary>An entry copied into memory: TorchSharp's readers want a seekable stream.</summary>
    private static MemoryStream Entry(ZipArchive zip, string name, string path)
    {
        var entry = zip.GetEntry(name) ?? throw new CheckpointException($"{path}: {name} is missing; not a complete checkpoint");
        var memory = new MemoryStream();
        try
        {
            using var stream = entry.Open();
            stream.CopyTo(memory);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException($"{path}: {name} is corrupt ({e.Message})", e);
        }
        memory.Position = 0;
        return memory;
    }
}
