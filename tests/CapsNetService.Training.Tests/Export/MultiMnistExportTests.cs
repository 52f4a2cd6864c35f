using CapsNetService.Common;
using CapsNetService.Tests;
using CapsNetService.Training.Checkpoints;
using CapsNetService.Training.Export;
using CapsNetService.Training.Model;
using CapsNetService.Training.Run;
using Microsoft.ML.OnnxRuntime;
using ModelMetadata = CapsNetService.Common.ModelMetadata;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.Export;

/// <summary>A MultiMNIST CapsNet checkpoint exports as the multimnist.* files, checked at 36×36 on real pairs, beside
/// (never over) the MNIST model; a baseline CNN checkpoint is not exported.</summary>
public sealed class MultiMnistExportTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("capsnet-mmexport-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static readonly EpochMetrics Best = new()
    {
        Epoch = 3, LearningRate = 1e-3, TrainLoss = 0.2, TrainAccuracy = 0.5, TestLoss = 0.3, TestAccuracy = 0.61,
        TestAtLeastOneAccuracy = 0.97, ValidationLoss = 0.3, ValidationAccuracy = 0.6, ValidationAtLeastOneAccuracy = 0.96,
        EpochSeconds = 10, TrainImagesPerSecond = 100,
    };

    private string Checkpoint(ModelChoice kind, string name, int epoch = 3)
    {
        var options = new TrainOptions { Dataset = TrainingDataset.MultiMnist, Model = kind, TestPairs = 500, ValidationPairs = 200, Seed = 5 };
        manual_seed(5);
        using var network = Training.Checkpoints.Checkpoint.CreateNetwork(kind, options.Architecture);
        var path = Path.Combine(folder, name);
        Training.Checkpoints.Checkpoint.Save(path, network, new CheckpointMetadata
        {
            Epoch = epoch, Architecture = options.Architecture, Dataset = TrainingDataset.MultiMnist, Model = kind, Options = options,
            History = [Best with { Epoch = 1 }, Best with { Epoch = 2, TestAccuracy = double.NaN, TestLoss = double.NaN }, Best],
            Device = "cpu", StartedAt = DateTimeOffset.UnixEpoch, SavedAt = DateTimeOffset.UnixEpoch.AddHours(1),
        }, optimizer: null);
        return path;
    }

    [Fact]
    public void A_capsnet_checkpoint_exports_the_multimnist_files_checked_at_36_by_36()
    {
        var models = Path.Combine(folder, "models");
        Directory.CreateDirectory(models);
        File.WriteAllText(Path.Combine(models, ModelContract.MetadataFileName), "the MNIST model's, left alone");
        File.WriteAllText(Path.Combine(models, ModelContract.Int8ModelFileName), "the MNIST model's int8 graph, left alone");

        var export = OnnxExporter.Export(Checkpoint(ModelChoice.CapsNet, "best.ckpt"), [models], RealMnist.Test);

        Assert.True(export.Parity.Passed, export.Parity.ToString());
        Assert.Equal(OnnxExporter.CheckImages, export.Parity.Images);
        var m = export.Metadata;
        Assert.Equal((ModelKinds.MultiMnist, 0.61, 0.97, 500, 0.6, 200), (m.Kind, m.TestAccuracy, m.TestAtLeastOneAccuracy!.Value, m.TestPairs!.Value, m.ValidationAccuracy!.Value, m.ValidationPairs!.Value));
        Assert.Null(m.ValidationImages);
        Assert.Null(m.Rejection);
        Assert.Equal("the MNIST model's, left alone", File.ReadAllText(Path.Combine(models, ModelContract.MetadataFileName)));
        Assert.Equal("the MNIST model's int8 graph, left alone", File.ReadAllText(Path.Combine(models, ModelContract.Int8ModelFileName)));
        Assert.False(File.Exists(Path.Combine(models, ModelContract.ModelFileName)));
        var sidecar = ModelMetadata.FromJson(File.ReadAllText(Path.Combine(models, MultiMnistContract.MetadataFileName)));
        Assert.Equal(m, sidecar with { Files = null });
        Assert.Equal(new PublishedFileHashes(PublishedFileHashes.Of(File.ReadAllBytes(Path.Combine(models, MultiMnistContract.ModelFileName))),
                                             PublishedFileHashes.Of(File.ReadAllBytes(Path.Combine(models, MultiMnistContract.DecoderFileName)))), sidecar.Files);
        using var session = new InferenceSession(Path.Combine(models, MultiMnistContract.ModelFileName));
        Assert.Equal([-1, 1, 36, 36], session.InputMetadata[ModelContract.ImageInput].Dimensions);
        Assert.True(File.Exists(Path.Combine(models, MultiMnistContract.DecoderFileName)));

        // --only-if-better compares with the MultiMNIST model the folder holds.
        File.WriteAllText(Path.Combine(models, MultiMnistContract.MetadataFileName), (m with { TestAccuracy = 0.9 }).ToJson());
        var kept = OnnxExporter.Export(Checkpoint(ModelChoice.CapsNet, "again.ckpt"), [models], RealMnist.Test, onlyIfBetter: true);
        Assert.Empty(kept.Directories);
        Assert.Single(kept.KeptBetter);
    }

    [Fact]
    public void Test_figures_measured_at_export_replace_the_training_runs()
    {
        var models = Path.Combine(folder, "measured");
        var export = OnnxExporter.Export(Checkpoint(ModelChoice.CapsNet, "measured.ckpt"), [models], RealMnist.Test,
                                         pairTest: new PairTestFigures(100_000, 0.8125, 0.99));
        var m = ModelMetadata.FromJson(File.ReadAllText(Path.Combine(models, MultiMnistContract.MetadataFileName)));
        Assert.Equal((0.8125, 0.99, 100_000), (m.TestAccuracy, m.TestAtLeastOneAccuracy!.Value, m.TestPairs!.Value));
        Assert.Equal(export.Metadata, m with { Files = null });
        // The validation figures that chose the epoch stay the run's.
        Assert.Equal((0.6, 200), (m.ValidationAccuracy!.Value, m.ValidationPairs!.Value));
    }

    [Fact]
    public void A_cnn_checkpoint_or_an_epoch_without_test_figures_is_not_exported()
    {
        var models = Path.Combine(folder, "models");
        var cnn = Assert.Throws<CheckpointException>(() => OnnxExporter.Export(Checkpoint(ModelChoice.Cnn, "cnn.ckpt"), [models]));
        Assert.Contains("baseline CNN", cnn.Message);
        // Epoch 2 was not the best on validation: its test pairs were never evaluated.
        var untested = Assert.Throws<CheckpointException>(() => OnnxExporter.Export(Checkpoint(ModelChoice.CapsNet, "last.ckpt", epoch: 2), [models]));
        Assert.Contains("not the best on validation", untested.Message);
        Assert.False(Directory.Exists(models));
    }
}
