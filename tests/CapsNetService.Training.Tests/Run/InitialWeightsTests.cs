using CapsNetService.Training.Checkpoints;
using CapsNetService.Common;
using CapsNetService.Training.Export;
using CapsNetService.Training.Model;
using CapsNetService.Training.Run;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.Run;

/// <summary><c>train --init-from</c>: a run that starts from a published model or a checkpoint goes on where it left off.</summary>
[Collection(TrainedModelCollection.Name)]
public sealed class InitialWeightsTests(TrainingRunFixture run) : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("capsnet-init-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private (string Path, ModelMetadata Metadata) Publish()
    {
        var models = Path.Combine(folder, "models");
        var export = OnnxExporter.Export(run.Result.BestCheckpoint, [models]);
        return (Path.Combine(models, ModelContract.ModelFileName), export.Metadata);
    }

    private TrainingResult Train(string initFrom, int epochs, string output, bool resume = false) =>
        new Trainer(run.Options with { Output = Path.Combine(folder, output), InitFrom = initFrom, Epochs = epochs,
                                       LearningRate = 1e-3, LearningRateDecay = 0.5, Resume = resume },
                    CPU, SilentTrainingProgress.Instance).Run(run.Train, run.Test);

    [Fact]
    public void A_run_from_a_published_model_goes_on_at_its_next_epoch_and_says_where_it_started()
    {
        var (onnx, published) = Publish();
        var result = Train(onnx, published.Epochs + 1, "from-onnx");

        var epoch = Assert.Single(result.History);
        Assert.Equal(published.Epochs + 1, epoch.Epoch);
        Assert.Equal(1e-3 * Math.Pow(0.5, published.Epochs), epoch.LearningRate, 1e-15);

        var checkpoint = Checkpoint.ReadMetadata(result.LastCheckpoint);
        Assert.Equal(published.Epochs + 1, checkpoint.Epoch);
        Assert.Equal(published.ModelVersion, checkpoint.InitializedFrom!.ModelVersion);
        Assert.Equal(published.Epochs, checkpoint.InitializedFrom.Epochs);
        Assert.Equal(Checkpoint.Sha256(onnx), checkpoint.InitializedFrom.Sha256);

        var republished = OnnxExporter.Export(result.BestCheckpoint, [Path.Combine(folder, "republished")]).Metadata;
        Assert.Equal(published.Epochs + 1, republished.Epochs);
        Assert.Contains(published.ModelVersion, republished.InitializedFrom);
        var report = File.ReadAllText(Path.Combine(result.RunDirectory, CapsNetService.Training.Reporting.HtmlReport.FileName));
        Assert.Contains($"model {published.ModelVersion} ({published.Epochs} epochs)", report);
    }

    [Fact]
    public void The_starting_weights_are_the_published_ones()
    {
        var (onnx, published) = Publish();
        var (model, source) = InitialWeights.Load(onnx, run.Options.Architecture, ConvolutionPrecision.Fp32, CPU);
        using (model)
        {
            var evaluation = Evaluator.Evaluate(model, run.Test.Take(TrainingRunFixture.TestImages), CPU, new CapsuleLoss());
            Assert.Equal(published.TestAccuracy, evaluation.Accuracy, 1e-9);
            Assert.Equal(published.ModelVersion, source.ModelVersion);
        }
    }

    [Fact]
    public void A_published_model_of_the_other_kind_is_refused_by_its_kind()
    {
        var (onnx, _) = Publish();
        var error = Assert.Throws<CheckpointException>(() =>
            InitialWeights.Load(onnx, CapsNetArchitecture.MultiMnist, ConvolutionPrecision.Fp32, CPU));
        Assert.Contains("is a mnist model; this run trains a multimnist CapsNet", error.Message);
    }

    [Fact]
    public void A_run_from_a_checkpoint_counts_its_epochs_too()
    {
        var from = Checkpoint.ReadMetadata(run.Result.LastCheckpoint);
        var result = Train(run.Result.LastCheckpoint, from.Epoch + 1, "from-checkpoint");
        Assert.Equal(from.Epoch + 1, Assert.Single(result.History).Epoch);
        var initializedFrom = Checkpoint.ReadMetadata(result.LastCheckpoint).InitializedFrom!;
        Assert.Null(initializedFrom.ModelVersion);
        Assert.Contains("checkpoint sha256:", initializedFrom.Describe());
    }

    [Fact]
    public void A_checkpoint_may_go_on_with_other_routing_iterations_but_not_another_shape()
    {
        var twoIterations = run.Options.Architecture with { RoutingIterations = 2 };
        var (model, _) = InitialWeights.Load(run.Result.LastCheckpoint, twoIterations, ConvolutionPrecision.Fp32, CPU);
        using (model)
        {
            Assert.Equal(twoIterations, model.Architecture);
            Assert.Equal(2, model.DigitCaps.RoutingIterations);
        }
        var wider = run.Options.Architecture with { Conv1Channels = 128 };
        var error = Assert.Throws<CheckpointException>(() => InitialWeights.Load(run.Result.LastCheckpoint, wider, ConvolutionPrecision.Fp32, CPU));
        Assert.Contains("another shape", error.Message);
    }

    [Fact]
    public void Resuming_such_a_run_keeps_its_origin_and_its_epoch_numbers()
    {
        var (onnx, published) = Publish();
        Train(onnx, published.Epochs + 1, "resumed");
        var resumed = Train(onnx, published.Epochs + 2, "resumed", resume: true);
        Assert.Equal([published.Epochs + 1, published.Epochs + 2], resumed.History.Select(m => m.Epoch));
        Assert.Equal(published.ModelVersion, Checkpoint.ReadMetadata(resumed.LastCheckpoint).InitializedFrom!.ModelVersion);
    }

    [Fact]
    public void Asking_for_no_more_epochs_than_the_model_has_is_refused_before_training()
    {
        var (onnx, published) = Publish();
        var error = Assert.Throws<ArgumentException>(() => Train(onnx, published.Epochs, "too-few"));
        Assert.Contains($"more than {published.Epochs}", error.Message);
        Assert.False(File.Exists(Trainer.LastCheckpointPath(Path.Combine(folder, "too-few"))));
    }

    [Fact]
    public void A_missing_file_is_a_validation_error()
    {
        var options = new TrainOptions { InitFrom = Path.Combine(folder, "nope.onnx") };
        Assert.Contains(options.Validate(), p => p.StartsWith("--init-from: no such file", StringComparison.Ordinal));
    }
}
