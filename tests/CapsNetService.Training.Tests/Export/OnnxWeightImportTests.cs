using CapsNetService.Training.Checkpoints;
using CapsNetService.Common;
using CapsNetService.Training.Export;
using CapsNetService.Training.Model;
using CapsNetService.Training.Tests.Run;
using CapsNetService.Training.Run;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.Export;

[Collection(TrainedModelCollection.Name)]
public sealed class OnnxWeightImportTests(TrainingRunFixture run) : IDisposable
{
    private readonly string models = Directory.CreateTempSubdirectory("capsnet-import-").FullName;

    public void Dispose() => Directory.Delete(models, recursive: true);

    private string ClassifierPath => Path.Combine(models, ModelContract.ModelFileName);

    [Fact]
    public void A_published_model_comes_back_with_every_trained_tensor_exactly()
    {
        var export = OnnxExporter.Export(run.Result.BestCheckpoint, [models]);
        var (trained, _) = Checkpoint.LoadModel(run.Result.BestCheckpoint, CPU);
        var (imported, metadata) = OnnxWeightImport.Load(ClassifierPath, CapsNetArchitecture.Paper);
        using (trained)
        using (imported)
        {
            Assert.Equal(export.Metadata, metadata);
            var expected = trained.state_dict();
            var actual = imported.state_dict();
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            Assert.All(expected, p => Assert.True(p.Value.eq(actual[p.Key]).all().item<bool>(), $"{p.Key} differs after the round trip"));
        }
    }

    [Fact]
    public void A_file_that_is_not_onnx_is_refused_with_its_path()
    {
        var path = Path.Combine(models, "capsnet.onnx");
        File.WriteAllBytes(path, [0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x01, 0x02]);
        var error = Assert.Throws<CheckpointException>(() => OnnxWeightImport.Load(path, CapsNetArchitecture.Paper));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void A_truncated_model_is_refused()
    {
        OnnxExporter.Export(run.Result.BestCheckpoint, [models]);
        var bytes = File.ReadAllBytes(ClassifierPath);
        File.WriteAllBytes(ClassifierPath, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        Assert.Throws<CheckpointException>(() => OnnxWeightImport.Load(ClassifierPath, CapsNetArchitecture.Paper));
    }

    [Fact]
    public void The_decoder_graph_alone_is_refused_by_the_tensor_it_lacks()
    {
        OnnxExporter.Export(run.Result.BestCheckpoint, [models]);
        var error = Assert.Throws<CheckpointException>(
            () => OnnxWeightImport.Load(Path.Combine(models, ModelContract.DecoderFileName), CapsNetArchitecture.Paper));
        Assert.Contains(CapsNetOnnxGraph.WeightOf(CapsNetOnnxGraph.Conv1Layer), error.Message);
    }

    [Fact]
    public void A_model_of_another_shape_is_refused_by_shape()
    {
        OnnxExporter.Export(run.Result.BestCheckpoint, [models]);
        var wider = CapsNetArchitecture.Paper with { Conv1Channels = 128 };
        var error = Assert.Throws<CheckpointException>(() => OnnxWeightImport.Load(ClassifierPath, wider));
        Assert.Contains("shape", error.Message);
    }
}
