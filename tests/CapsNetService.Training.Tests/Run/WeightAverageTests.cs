using CapsNetService.Training.Checkpoints;
using CapsNetService.Common.Mnist;
using CapsNetService.Tests;
using CapsNetService.Training.Model;
using CapsNetService.Training.Run;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.Run;

/// <summary>
/// --ema-decay: the moving average of the weights. Runs in the "alone" collection: the run-versus-resume check
/// needs two runs to start from the same seeded weights (see <see cref="DeterminismTests"/>).
/// </summary>
[Collection(DeterminismTests.Name)]
public sealed class WeightAverageTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("capsnet-average-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void An_update_moves_the_average_a_fraction_one_minus_decay_towards_the_live_weights()
    {
        using var live = new CapsNet(CapsNetArchitecture.Paper);
        using var average = new WeightAverage(live, 0.9, CPU);
        var start = live.Conv1.get_parameter("weight")!.clone();
        Assert.Equal(0, (average.Model.Conv1.get_parameter("weight")! - start).abs().max().item<float>());

        using (no_grad()) live.Conv1.get_parameter("weight")!.add_(1.0f);
        average.Update();

        // avg = 0.9·w0 + 0.1·(w0 + 1) = w0 + 0.1, and the live weights are untouched by it.
        Assert.True((average.Model.Conv1.get_parameter("weight")! - (start + 0.1f)).abs().max().item<float>() < 1e-6);
        Assert.True((live.Conv1.get_parameter("weight")! - (start + 1.0f)).abs().max().item<float>() < 1e-6);
        Assert.False(average.Model.Conv1.get_parameter("weight")!.requires_grad);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-0.5)]
    public void A_decay_outside_the_open_interval_is_refused(double decay)
    {
        using var live = new CapsNet(CapsNetArchitecture.Paper);
        Assert.Throws<ArgumentOutOfRangeException>(() => new WeightAverage(live, decay, CPU));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void The_option_refuses_a_decay_that_cannot_work(double decay)
    {
        var problems = new TrainOptions { WeightAverageDecay = decay }.Validate().ToList();
        Assert.Contains(problems, p => p.Contains("--ema-decay"));
        Assert.Empty(new TrainOptions { WeightAverageDecay = 0 }.Validate());
    }

    [Fact]
    public void An_averaging_run_evaluates_and_keeps_the_average_and_resumes_it_exactly()
    {
        var (train, test) = (RealMnist.Train, RealMnist.Test);
        var options = new TrainOptions
        {
            Output = Path.Combine(folder, "straight"), Epochs = 2, BatchSize = 40, LimitTrain = 120, LimitTest = 60,
            Seed = 5, WeightAverageDecay = 0.8,
        };
        var straight = new Trainer(options, CPU, SilentTrainingProgress.Instance).Run(train, test);

        // The live weights are evaluated too, and the average is not simply them.
        Assert.All(straight.History, m => Assert.NotNull(m.UnaveragedTestAccuracy));
        var last = Checkpoint.LoadModel(straight.LastCheckpoint, CPU).Model;
        using (last)
        using (var average = new CapsNet(CapsNetArchitecture.Paper))
        {
            Assert.True(Checkpoint.LoadAverage(straight.LastCheckpoint, average));
            Assert.True((average.Conv1.get_parameter("weight")! - last.Conv1.get_parameter("weight")!).abs().max().item<float>() > 0);

            // The best checkpoint holds the averaged weights: they evaluate to the recorded (averaged) accuracy and loss.
            var best = BestEpoch.Of(straight.History)!;
            var (kept, _) = Checkpoint.LoadModel(straight.BestCheckpoint, CPU);
            using (kept)
            {
                var evaluation = Evaluator.Evaluate(kept, test.Take(60), CPU, new CapsuleLoss());
                Assert.Equal(best.TestAccuracy, evaluation.Accuracy, 1e-9);
                Assert.Equal(best.TestLoss, evaluation.Loss, 1e-5);
                if (best.Epoch == 2)
                    Assert.True((kept.Conv1.get_parameter("weight")! - average.Conv1.get_parameter("weight")!).abs().max().item<float>() == 0);
            }
        }

        // One epoch, then a resume to two: the same second epoch, so the average came back from the checkpoint.
        var resumedOptions = options with { Output = Path.Combine(folder, "resumed") };
        new Trainer(resumedOptions with { Epochs = 1 }, CPU, SilentTrainingProgress.Instance).Run(train, test);
        var resumed = new Trainer(resumedOptions with { Resume = true }, CPU, SilentTrainingProgress.Instance).Run(train, test);
        Assert.Equal(straight.History[1].TestLoss, resumed.History[1].TestLoss);
        Assert.Equal(straight.History[1].TestAccuracy, resumed.History[1].TestAccuracy);
        Assert.Equal(straight.History[1].UnaveragedTestAccuracy, resumed.History[1].UnaveragedTestAccuracy);
    }

    [Fact]
    public void A_run_without_averaging_keeps_no_average()
    {
        var options = new TrainOptions
        {
            Output = Path.Combine(folder, "plain"), Epochs = 1, BatchSize = 40, LimitTrain = 40, LimitTest = 20, Seed = 5,
        };
        var result = new Trainer(options, CPU, SilentTrainingProgress.Instance).Run(RealMnist.Train, RealMnist.Test);
        Assert.Null(result.History[0].UnaveragedTestAccuracy);
        using var average = new CapsNet(CapsNetArchitecture.Paper);
        Assert.False(Checkpoint.LoadAverage(result.LastCheckpoint, average));
    }
}
