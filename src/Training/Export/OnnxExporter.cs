using CapsNetService.Common;
using CapsNetService.Training.Model;
using CapsNetService.Training.Training;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace CapsNetService.Training.Export;

/// <param name="Directories">Where the model was published.</param>
/// <param name="KeptBetter">Folders left as they were because they already hold a model at least as accurate
/// (only with <c>onlyIfBetter</c>), with that model's metadata.</param>
public sealed record ExportResult(IReadOnlyList<string> Directories, ModelMetadata Metadata, ParityReport Parity, long ClassifierBytes, long DecoderBytes,
                                  IReadOnlyList<(string Directory, ModelMetadata Published)> KeptBetter);

public sealed class ExportCheckFailedException(string message) : Exception(message);

/// <summary>
/// Checkpoint → the two ONNX graphs of <see cref="ModelContract"/>, checked under ONNX Runtime against
/// TorchSharp before anything is written, then published atomically.
/// </summary>
public static class OnnxExporter
{
    public const int CheckImages = 16;

    /// <param name="outputDirectories">Each receives the same files (e.g. the run folder and the service's models folder).</param>
    /// <param name="checkImages">[k × 784] real images in [0, 1] for the parity check; random images when null.</param>
    /// <param name="onlyIfBetter">Leave a folder alone when the model it holds claims at least the new model's test
    /// accuracy (a folder whose metadata cannot be read is published into).</param>
    public static ExportResult Export(string checkpointPath, IReadOnlyList<string> outputDirectories, float[]? checkImages = null,
                                      string? trainingCommand = null, bool onlyIfBetter = false)
    {
        // Everything that can fail on a bad checkpoint happens before the models folder is touched.
        var (model, checkpoint) = Checkpoint.LoadModel(checkpointPath, CPU);
        using var _ = model;
        var metadata = Describe(checkpoint, Checkpoint.Sha256(checkpointPath), trainingCommand);
        var classifier = ToModel(CapsNetOnnxGraph.BuildClassifier(model), metadata, "CapsNet: image → digit capsules, lengths, reconstruction").ToByteArray();
        var decoder = ToModel(CapsNetOnnxGraph.BuildDecoder(model), metadata, "CapsNet decoder: digit capsules → image").ToByteArray();

        var images = checkImages ?? RandomImages(CheckImages);
        var parity = OnnxParityCheck.Compare(model, classifier, decoder, images, images.Length / ModelContract.ImagePixels);
        if (!parity.Passed)
            throw new ExportCheckFailedException(
                $"ONNX Runtime disagrees with TorchSharp on the exported graph ({parity}; tolerance {ParityReport.Tolerance}); nothing was written");

        var published = new List<string>();
        var keptBetter = new List<(string, ModelMetadata)>();
        foreach (var directory in outputDirectories.Select(Path.GetFullPath))
        {
            if (onlyIfBetter && PublishedMetadata(directory) is { } current && current.TestAccuracy >= metadata.TestAccuracy)
            {
                keptBetter.Add((directory, current));
                continue;
            }
            ModelPublisher.Publish(directory, classifier, decoder, metadata);
            published.Add(directory);
        }
        return new ExportResult(published, metadata, parity, classifier.Length, decoder.Length, keptBetter);
    }

    public static ModelProto ToModel(GraphProto graph, ModelMetadata metadata, string description)
    {
        var model = new ModelProto
        {
            IrVersion = 8,                     // what opset 17 pairs with; read by ONNX Runtime ≥ 1.13
            ProducerName = metadata.Producer,
            ProducerVersion = metadata.ProducerVersion,
            ModelVersion = metadata.TrainedAt.ToUnixTimeSeconds(),
            DocString = description,
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = CapsNetOnnxGraph.Opset });
        foreach (var (key, value) in metadata.ToProperties())
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    public static ModelMetadata Describe(CheckpointMetadata checkpoint, string sha256, string? trainingCommand)
    {
        var best = checkpoint.History.FirstOrDefault(m => m.Epoch == checkpoint.Epoch) ?? checkpoint.History.LastOrDefault();
        return new ModelMetadata
        {
            ModelVersion = $"{checkpoint.SavedAt:yyyyMMdd}-e{checkpoint.Epoch}-{sha256[..8]}",
            TrainedAt = checkpoint.SavedAt,
            Epochs = checkpoint.Epoch,
            TestAccuracy = best?.TestAccuracy ?? 0,
            RoutingIterations = checkpoint.Architecture.RoutingIterations,
            CheckpointSha256 = sha256,
            Producer = Producer.Name,
            ProducerVersion = checkpoint.ProducerVersion,
            Seed = checkpoint.Settings.Seed,
            Device = checkpoint.Device,
            SecondsPerEpoch = checkpoint.History.Count == 0 ? null : checkpoint.History.Average(m => m.EpochSeconds),
            TrainingCommand = trainingCommand ?? checkpoint.Settings.Command,
            InitializedFrom = checkpoint.InitializedFrom?.Describe(),
        };
    }

    /// <summary>The metadata of the model a folder holds; null when it holds none or it cannot be read.</summary>
    private static ModelMetadata? PublishedMetadata(string directory)
    {
        var path = Path.Combine(directory, ModelContract.MetadataFileName);
        if (!File.Exists(path) || !File.Exists(Path.Combine(directory, ModelContract.ModelFileName))) return null;
        try
        {
            return ModelMetadata.FromJson(File.ReadAllText(path));
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static float[] RandomImages(int count)
    {
        var random = new Random(0);
        var images = new float[count * ModelContract.ImagePixels];
        for (int i = 0; i < images.Length; i++) images[i] = random.NextSingle();
        return images;
    }
}
