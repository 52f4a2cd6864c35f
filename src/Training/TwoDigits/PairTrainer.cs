using System.Diagnostics;
using CapsNetService.Common.MultiMnist;
using CapsNetService.Training.Checkpoints;
using CapsNetService.Training.Model;
using CapsNetService.Training.Reporting;
using CapsNetService.Training.Run;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.TwoDigits;

/// <summary>
/// The MultiMNIST training loop (Sabour et al. 2017, Section 6), for the CapsNet or the baseline CNN: each epoch trains
/// on <see cref="TrainOptions.TrainPairs"/> pairs drawn afresh with the seed (seed, epoch), evaluates the validation
/// pairs, keeps the best epoch by their both-correct accuracy, and evaluates the test pairs only for an epoch that
/// became the best (so the kept checkpoint always has its test figures, and they never choose anything). Checkpoints,
/// resume, weight averaging, precision and the run folder behave as in <see cref="Trainer"/>.
/// </summary>
public sealed class PairTrainer(TrainOptions options, Device device, ITrainingProgress progress)
{
    private readonly CapsuleLoss loss = new();

    public TrainingResult Run(PairSets sets)
    {
        var trainSplit = MultiMnistSplit.Training(sets.Train);
        var runDirectory = Trainer.PrepareRunFolder(options, progress);
        using var state = RunState.Open(options, device, progress, runDirectory);
        var history = state.History;

        var recorded = options.Recorded();
        var run = new RunDescription(recorded, recorded.CommandLine(), TorchRuntime.Describe(device), options.TrainPairs,
                                     sets.Test.Length, state.StartedAt, state.InitializedFrom?.Describe(), sets.Validation.Length);
        var noConfusion = new ConfusionMatrix();

        for (int epoch = state.FirstEpoch; epoch <= options.Epochs; epoch++)
        {
            double learningRate = options.LearningRate * Math.Pow(options.LearningRateDecay, epoch - 1);
            foreach (var group in state.Optimizer.ParamGroups) group.LearningRate = learningRate;

            var clock = Stopwatch.StartNew();
            var pairs = trainSplit.Pairs(options.TrainPairs, Trainer.EpochSeed(options.Seed, epoch));
            var (trainLoss, trainAccuracy) = TrainEpoch(state, sets, pairs, epoch);
            double trainSeconds = clock.Elapsed.TotalSeconds;
            var evaluated = state.Evaluated;
            string averaged = state.Average is null ? "" : " (averaged weights)";
            var validated = Evaluate($"Epoch {epoch}/{options.Epochs} validation{averaged}", evaluated, sets.Train, sets.Validation);

            var metrics = new EpochMetrics
            {
                Epoch = epoch,
                LearningRate = learningRate,
                TrainLoss = trainLoss,
                TrainAccuracy = trainAccuracy,
                TestLoss = double.NaN,
                TestAccuracy = double.NaN,
                ValidationLoss = validated.Loss,
                ValidationAccuracy = validated.BothCorrectAccuracy,
                ValidationAtLeastOneAccuracy = validated.AtLeastOneAccuracy,
                EpochSeconds = 0,
                TrainImagesPerSecond = pairs.Length / trainSeconds,
            };
            bool best = ReferenceEquals(BestEpoch.Of([.. history, metrics]), metrics);
            if (best)
            {
                var tested = Evaluate($"Epoch {epoch}/{options.Epochs} test{averaged} (best on validation so far)", evaluated,
                                      sets.TestSource, sets.Test);
                metrics = metrics with
                {
                    TestLoss = tested.Loss,
                    TestAccuracy = tested.BothCorrectAccuracy,
                    TestAtLeastOneAccuracy = tested.AtLeastOneAccuracy,
                };
            }
            metrics = metrics with { EpochSeconds = clock.Elapsed.TotalSeconds };
            history.Add(metrics);

            state.SaveEpoch(run.Device, best);
            TrainingReport.Write(runDirectory, run, history, noConfusion, sample: null, validated.Sample);
            progress.EpochCompleted(metrics, noConfusion);
        }
        return new TrainingResult(runDirectory, Trainer.BestCheckpointPath(runDirectory), Trainer.LastCheckpointPath(runDirectory), history);
    }

    private PairEvaluation Evaluate(string title, nn.Module model, Common.Mnist.MnistSet source, MultiMnistPair[] pairs)
    {
        PairEvaluation evaluation = null!;
        progress.Track(title, CeilDiv(pairs.Length, PairEvaluator.DefaultBatchSize),
                       step => evaluation = PairEvaluator.Evaluate(model, source, pairs, device, loss, onBatch: _ => step("")));
        return evaluation;
    }

    private (double Loss, double BothCorrect) TrainEpoch(RunState state, PairSets sets, MultiMnistPair[] pairs, int epoch) =>
        state.TrainEpoch(epoch, pairs.Length, "both", "pairs", (start, count, lossSum, correct) =>
        {
            using var batch = PairBatch.Create(sets.Train, pairs.AsSpan(start, count), device);
            PairNetwork.Step(state.Model, state.Optimizer, loss, batch, lossSum, correct);
        });

    private static int CeilDiv(int a, int b) => (a + b - 1) / b;
}
