using CapsNetService.Training.Checkpoints;
using CapsNetService.Common;
using CapsNetService.Training.Export;
using CapsNetService.Training.Model;
using CapsNetService.Training.Tests.Run;
using CapsNetService.Training.Run;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using ModelMetadata = CapsNetService.Common.ModelMetadata;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.Export;

[Collection(TrainedModelCollection.Name)]
public sealed class OnnxExporterTests(TrainingRunFixture run) : IDisposable
{
    private readonly string models = Directory.CreateTempSubdirectory("capsnet-models-").FullName;

    public void Dispose() => Directory.Delete(models, recursive: true);

    private ExportResult ExportBest() => OnnxExporter.Export(run.Result.BestCheckpoint, [models]);

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    public void Onnx_Runtime_matches_TorchSharp_on_real_digits(int batch)
    {
        ExportBest();
        var images = run.Test.ModelInput(0, batch);
        AssertParity(images, batch);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    public void Onnx_Runtime_matches_TorchSharp_on_random_images(int batch)
    {
        ExportBest();
        var random = new Random(batch);
        var images = new float[batch * ModelContract.ImagePixels];
        for (int i = 0; i < images.Length; i++) images[i] = random.NextSingle();
        AssertParity(images, batch);
    }

    private void AssertParity(float[] images, int batch)
    {
        var (model, _) = Checkpoint.LoadModel(run.Result.BestCheckpoint, CPU);
        using (model)
        {
            var report = OnnxParityCheck.Compare(model, File.ReadAllBytes(Path.Combine(models, ModelContract.ModelFileName)),
                                                 File.ReadAllBytes(Path.Combine(models, ModelContract.DecoderFileName)), images, batch);
            Assert.Equal(batch, report.Images);
            Assert.InRange(report.MaxProbabilityDifference, 0, 1e-4);
            Assert.InRange(report.MaxCapsuleDifference, 0, 1e-4);
            Assert.InRange(report.MaxReconstructionDifference, 0, 1e-4);
            Assert.InRange(report.MaxDecoderDifference, 0, 1e-4);
            Assert.Equal(0, report.ArgmaxDisagreements);
        }
    }

    [Fact]
    public void The_graphs_declare_the_contract_with_a_dynamic_batch()
    {
        ExportBest();
        var classifier = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(models, ModelContract.ModelFileName)));
        Assert.Equal(CapsNetOnnxGraph.Opset, classifier.OpsetImport.Single(o => o.Domain == "").Version);
        AssertValue(classifier.Graph.Input.Single(), ModelContract.ImageInput, 1, 28, 28);
        Assert.Equal(3, classifier.Graph.Output.Count);
        AssertValue(classifier.Graph.Output.Single(o => o.Name == ModelContract.ProbabilitiesOutput), ModelContract.ProbabilitiesOutput, 10);
        AssertValue(classifier.Graph.Output.Single(o => o.Name == ModelContract.CapsulesOutput), ModelContract.CapsulesOutput, 10, 16);
        AssertValue(classifier.Graph.Output.Single(o => o.Name == ModelContract.ReconstructionOutput), ModelContract.ReconstructionOutput, 1, 28, 28);

        var decoder = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(models, ModelContract.DecoderFileName)));
        AssertValue(decoder.Graph.Input.Single(), ModelContract.DecoderCapsulesInput, 10, 16);
        AssertValue(decoder.Graph.Output.Single(), ModelContract.ReconstructionOutput, 1, 28, 28);

        // Only standard operators from the default domain.
        Assert.All(classifier.Graph.Node, n => Assert.Equal("", n.Domain));

        // ONNX Runtime reads the batch as dynamic (-1).
        using var session = new InferenceSession(Path.Combine(models, ModelContract.ModelFileName));
        Assert.Equal(new[] { -1, 1, 28, 28 }, session.InputMetadata[ModelContract.ImageInput].Dimensions);
        Assert.Equal(new[] { -1, 10 }, session.OutputMetadata[ModelContract.ProbabilitiesOutput].Dimensions);
    }

    private static void AssertValue(ValueInfoProto value, string name, params long[] dims)
    {
        Assert.Equal(name, value.Name);
        Assert.Equal((int)TensorProto.Types.DataType.Float, value.Type.TensorType.ElemType);
        var shape = value.Type.TensorType.Shape.Dim;
        Assert.Equal(ModelContract.BatchDimension, shape[0].DimParam);
        Assert.Equal(dims, shape.Skip(1).Select(d => d.DimValue));
    }

    [Fact]
    public void Metadata_round_trips_through_the_onnx_file_and_the_sidecar()
    {
        var export = ExportBest();
        var checkpoint = Checkpoint.ReadMetadata(run.Result.BestCheckpoint);

        using var session = new InferenceSession(Path.Combine(models, ModelContract.ModelFileName));
        var fromOnnx = ModelMetadata.FromProperties(session.ModelMetadata.CustomMetadataMap);
        var fromJson = ModelMetadata.FromJson(File.ReadAllText(Path.Combine(models, ModelContract.MetadataFileName)));

        Assert.Equal(export.Metadata, fromOnnx);
        // The sidecar alone records the published graphs' hashes (a file cannot carry its own).
        Assert.Equal(export.Metadata, fromJson with { Files = null });
        Assert.Equal(new PublishedFileHashes(Sha256Of(ModelContract.ModelFileName), Sha256Of(ModelContract.DecoderFileName)), fromJson.Files);
        Assert.Equal(Checkpoint.Sha256(run.Result.BestCheckpoint), fromOnnx.CheckpointSha256);
        Assert.Equal(checkpoint.Epoch, fromOnnx.Epochs);
        Assert.Equal(run.Result.History.Max(m => m.TestAccuracy), fromOnnx.TestAccuracy);
        Assert.Equal(3, fromOnnx.RoutingIterations);
        Assert.Equal(Producer.Name, fromOnnx.Producer);
        Assert.Equal(run.Options.Seed, fromOnnx.Seed);
        Assert.Equal(Producer.Name, session.ModelMetadata.ProducerName);
    }

    [Fact]
    public void The_metadata_records_the_training_options_without_the_training_machines_paths()
    {
        ExportBest();
        var sidecar = File.ReadAllText(Path.Combine(models, ModelContract.MetadataFileName));
        using var session = new InferenceSession(Path.Combine(models, ModelContract.ModelFileName));
        var onnxProperties = string.Join("\n", session.ModelMetadata.CustomMetadataMap.Values);
        // The run folder is an absolute temporary folder: only its name may travel with the model.
        Assert.True(Path.IsPathRooted(run.RunDirectory));
        foreach (var text in new[] { sidecar, onnxProperties })
        {
            Assert.DoesNotContain(run.RunDirectory, text);
            Assert.DoesNotContain(Path.GetTempPath(), text);
        }
        var metadata = ModelMetadata.FromJson(sidecar);
        Assert.Contains($"--output {Path.GetFileName(run.RunDirectory)}", metadata.TrainingCommand);
        var options = System.Text.Json.JsonSerializer.Deserialize<TrainOptions>(metadata.TrainingOptions!, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;
        Assert.Equal(run.Options.Seed, options.Seed);
        Assert.Equal(Path.GetFileName(run.RunDirectory), options.Output);
        Assert.Equal(run.Options.CommandLine().Replace(run.RunDirectory, Path.GetFileName(run.RunDirectory)), metadata.TrainingCommand);
    }

    [Fact]
    public void Export_leaves_no_temporary_files()
    {
        ExportBest();
        Assert.Equal(new[] { ModelContract.MetadataFileName, ModelContract.DecoderFileName, ModelContract.ModelFileName }.Order(),
                     Directory.GetFiles(models).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_missing_checkpoint_fails_clearly_and_leaves_the_published_model_untouched()
    {
        ExportBest();
        var before = Snapshot();
        var error = Assert.Throws<CheckpointException>(() => OnnxExporter.Export(Path.Combine(models, "missing.ckpt"), [models]));
        Assert.Contains("not found", error.Message);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void A_corrupt_checkpoint_fails_clearly_and_leaves_the_published_model_untouched()
    {
        ExportBest();
        var before = Snapshot();
        var corrupt = Path.Combine(Path.GetTempPath(), $"corrupt-{Guid.NewGuid():N}.ckpt");
        var bytes = File.ReadAllBytes(run.Result.BestCheckpoint);
        File.WriteAllBytes(corrupt, bytes.AsSpan(0, bytes.Length / 2).ToArray());   // truncated mid-weights
        try
        {
            var error = Assert.Throws<CheckpointException>(() => OnnxExporter.Export(corrupt, [models]));
            Assert.Contains(corrupt, error.Message);
            Assert.Equal(before, Snapshot());
        }
        finally
        {
            File.Delete(corrupt);
        }
    }

    [Fact]
    public void Publishing_into_an_unwritable_folder_fails_clearly()
    {
        var file = Path.Combine(models, "not-a-folder");
        File.WriteAllText(file, "x");
        var error = Assert.Throws<IOException>(() => OnnxExporter.Export(run.Result.BestCheckpoint, [Path.Combine(file, "models")]));
        Assert.Contains("models folder", error.Message);
    }

    [Fact]
    public void Only_if_better_leaves_a_folder_holding_a_model_at_least_as_accurate_untouched()
    {
        var first = ExportBest();
        var before = Snapshot();
        var again = OnnxExporter.Export(run.Result.BestCheckpoint, [models], onlyIfBetter: true);
        Assert.Empty(again.Directories);
        Assert.Equal(first.Metadata, Assert.Single(again.KeptBetter).Published with { Files = null });
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void Only_if_better_replaces_a_less_accurate_model_and_publishes_into_an_empty_folder()
    {
        ExportBest();
        var metadataPath = Path.Combine(models, ModelContract.MetadataFileName);
        var published = ModelMetadata.FromJson(File.ReadAllText(metadataPath));
        File.WriteAllText(metadataPath, (published with { TestAccuracy = published.TestAccuracy - 0.01 }).ToJson());
        var empty = Path.Combine(models, "empty");

        var export = OnnxExporter.Export(run.Result.BestCheckpoint, [models, empty], onlyIfBetter: true);
        Assert.Equal([models, empty], export.Directories);
        Assert.Empty(export.KeptBetter);
        Assert.Equal(published.TestAccuracy, ModelMetadata.FromJson(File.ReadAllText(metadataPath)).TestAccuracy);
        Assert.True(File.Exists(Path.Combine(empty, ModelContract.ModelFileName)));
    }

    private Dictionary<string, string> Snapshot() =>
        Directory.GetFiles(models).ToDictionary(f => Path.GetFileName(f)!, f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

    private string Sha256Of(string name) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(models, name))));
}
