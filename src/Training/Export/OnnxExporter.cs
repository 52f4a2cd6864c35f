using CapsNetService.Training.Checkpoints;
using CapsNetService.Common;
using CapsNetService.Training.Model;
using System.Text.Json;
using CapsNetService.Common.Mnist;
using CapsNetService.Common.MultiMnist;
using CapsNetService.Training.Run;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace CapsNetService.Training.Export;

/// <summary>
/// Checkpoint → the two ONNX graphs of <see cref="ModelContract"/>, checked under ONNX Runtime against
/// TorchSharp before anything is written, then published atomically.
/// </summary>
public static class OnnxExporter
{
    public const int CheckImages = 16;

    private static readonly JsonSerializerOptions OptionsJson = new(JsonSerializerDefaults.Web);

    /// <param name="outputDirectories">Each receives the same files (e.g. the run folder and the service's models folder).</param>
    /// <param name="checkSet">Real digits for the parity check (its first <see cref="CheckImages"/>); random images when null.</param>
    /// <param name="onlyIfBetter">Leave a folder alone when the model it holds claims at least the new model's test
    /// accuracy (a folder whose metadata cannot be read is published into).</param>
    /// <param name="calibrationTrain">The MNIST training set: with it and <paramref name="checkSet"/> (the test set), the
    /// rejection thresholds are calibrated (<see cref="RejectionCalibrator"/>) into the metadata before publishing.</param>
    /// <param name="pairTest">A MultiMNIST model's test figures measured afresh (<c>export --test-pairs</c>), recorded
    /// instead of those its training run measured.</param>
    public static ExportResult Export(string checkpointPath, IReadOnlyList<string> outputDirectories, MnistSet? checkSet = null,
                                      bool onlyIfBetter = false, MnistSet? calibrationTrain = null, Action<string>? log = null,
                                      PairTestFigures? pairTest = null)
    {
        // Everything that can fail on a bad checkpoint happens before the models folder is touched.
        var kind = Checkpoint.ReadMetadata(checkpointPath);
        if (kind.Model != ModelChoice.CapsNet)
            throw new CheckpointException($"{checkpointPath} holds the baseline CNN, the comparison for the MultiMNIST figures; "
                                          + "only CapsNet models are exported");
        var (model, checkpoint) = Checkpoint.LoadModel(checkpointPath, CPU);
        using var _ = model;
        bool pairs = checkpoint.Dataset == TrainingDataset.MultiMnist;
        if (pairs && checkpoint.History.FirstOrDefault(m => m.Epoch == checkpoint.Epoch) is { } epoch && double.IsNaN(epoch.TestAccuracy))
            throw new CheckpointException($"{checkpointPath}: epoch {checkpoint.Epoch} was not the best on validation, so its test pairs "
                                          + $"were not evaluated; export {Trainer.BestCheckpointName}");
        var metadata = Describe(checkpoint, Checkpoint.Sha256(checkpointPath));
        if (pairTest is { } measured)
        {
            if (!pairs) throw new ArgumentException("test pairs are measured for a MultiMNIST model only");
            metadata = metadata with
            {
                TestAccuracy = measured.BothCorrectAccuracy, TestAtLeastOneAccuracy = measured.AtLeastOneAccuracy, TestPairs = measured.Pairs,
            };
        }
        var classifier = ToModel(CapsNetOnnxGraph.BuildClassifier(model), metadata, "CapsNet: image → digit capsules, lengths, reconstruction").ToByteArray();
        var decoder = ToModel(CapsNetOnnxGraph.BuildDecoder(model), metadata, "CapsNet decoder: digit capsules → image").ToByteArray();

        int pixels = model.Architecture.ImagePixels;
        var images = checkSet is null ? RandomImages(CheckImages, pixels)
                   : pairs ? PairImages(checkSet)
                   : checkSet.ModelInput(0, Math.Min(CheckImages, checkSet.Count));
        var parity = OnnxParityCheck.Compare(model, classifier, decoder, images, images.Length / pixels);
        if (!parity.Passed)
            throw new ExportCheckFailedException(
                $"ONNX Runtime disagrees with TorchSharp on the exported graph ({parity}; tolerance {ParityReport.Tolerance}); nothing was written");

        // The rejection thresholds are calibrated for single MNIST digits only.
        if (checkSet is not null && calibrationTrain is not null && !pairs)
        {
            metadata = metadata with
            {
                Rejection = RejectionCalibrator.Calibrate(classifier, calibrationTrain, checkSet, new CalibrationSettings(), DateTimeOffset.UtcNow, log),
            };
            classifier = OnnxMetadataRewriter.WithMetadata(classifier, metadata);
            decoder = OnnxMetadataRewriter.WithMetadata(decoder, metadata);
        }

        var published = new List<string>();
        var keptBetter = new List<(string, ModelMetadata)>();
        foreach (var directory in outputDirectories.Select(Path.GetFullPath))
        {
            if (onlyIfBetter && PublishedMetadata(directory, metadata.KindOrDefault) is { } current && current.TestAccuracy >= metadata.TestAccuracy)
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

    public static ModelMetadata Describe(CheckpointMetadata checkpoint, string sha256)
    {
        var best = checkpoint.History.FirstOrDefault(m => m.Epoch == checkpoint.Epoch) ?? checkpoint.History.LastOrDefault();
        bool pairs = checkpoint.Dataset == TrainingDataset.MultiMnist;
        return new ModelMetadata
        {
            // An MNIST model's metadata says no kind, as before there were two.
            Kind = pairs ? ModelKinds.MultiMnist : null,
            TestAtLeastOneAccuracy = pairs ? best?.TestAtLeastOneAccuracy : null,
            TestPairs = pairs ? checkpoint.Options.TestPairs : null,
            ValidationPairs = pairs ? checkpoint.Options.ValidationPairs : null,
            ModelVersion = $"{checkpoint.SavedAt:yyyyMMdd}-e{checkpoint.Epoch}-{sha256[..8]}",
            TrainedAt = checkpoint.SavedAt,
            Epochs = checkpoint.Epoch,
            TestAccuracy = best?.TestAccuracy ?? 0,
            ValidationAccuracy = best?.ValidationAccuracy,
            ValidationImages = best?.ValidationAccuracy is null || pairs ? null : checkpoint.Options.Validation,
            RoutingIterations = checkpoint.Architecture.RoutingIterations,
            CheckpointSha256 = sha256,
            Producer = Producer.Name,
            ProducerVersion = checkpoint.ProducerVersion,
            Seed = checkpoint.Options.Seed,
            Device = checkpoint.Device,
            SecondsPerEpoch = checkpoint.History.Count == 0 ? null : checkpoint.History.Average(m => m.EpochSeconds),
            TrainingCommand = checkpoint.Options.CommandLine(),
            TrainingOptions = JsonSerializer.Serialize(checkpoint.Options.Recorded(), OptionsJson),
            InitializedFrom = checkpoint.InitializedFrom?.Describe(),
        };
    }

    /// <summary>The metadata of the model of <paramref name="kind"/> a folder holds; null when it holds none or it cannot be read.</summary>
    private static ModelMetadata? PublishedMetadata(string directory, string kind)
    {
        var files = ModelKindContract.Of(kind);
        var path = Path.Combine(directory, files.MetadataFileName);
        if (!File.Exists(path) || !File.Exists(Path.Combine(directory, files.ModelFileName))) return null;
        try
        {
            return ModelMetadata.FromJson(File.ReadAllText(path));
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static float[] RandomImages(int count, int pixels)
    {
        var random = new Random(0);
        var images = new float[count * pixels];
        for (int i = 0; i < images.Length; i++) images[i] = random.NextSingle();
        return images;
    }

    /// <summary>The first <see cref="CheckImages"/> pairs of the fixed MultiMNIST test set (the same split and seed draw
    /// the same first pairs), rendered from the MNIST test set.</summary>
    private static float[] PairImages(MnistSet test)
    {
        var pairs = MultiMnistSplit.Test(test).Pairs(CheckImages, MultiMnistSets.TestSeed);
        return MultiMnistRenderer.RenderBatch(test, pairs).Images;
    }
}

/// <summary>A MultiMNIST model measured on the first <see cref="Pairs"/> pairs of the fixed test set.</summary>
public sealed record PairTestFigures(int Pairs, double BothCorrectAccuracy, double AtLeastOneAccuracy);
