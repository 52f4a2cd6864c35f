using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CapsNetService.Benchmarks.Measurement;
using CapsNetService.Training.Data;
using CapsNetService.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Benchmarks.Training;

/// <summary>
/// <c>training-profile</c>: where a trainer step's time goes. Times each stage of the product model's forward pass
/// on its own (with autograd on, as in training), the backward pass and Adam's step, each as a median of repetitions.
/// A guide to what is worth optimising, not a figure to quote against a baseline.
/// </summary>
public static class ProfileCommand
{
    private static readonly Option<int> Batch = new("--batch") { DefaultValueFactory = _ => 100 };
    private static readonly Option<int> Repetitions = new("--reps") { DefaultValueFactory = _ => 5 };
    private static readonly Option<bool> Mallopt = new("--mallopt") { Description = "apply the glibc malloc experiment first (see NativeMemoryTuning in src/Training)" };

    public static Command Create()
    {
        var command = new Command("training-profile", "Time each stage of the trainer's step (forward stages, backward, Adam)")
        {
            Batch, Repetitions, Mallopt, TrainingBenchmarkCommand.Threads, TrainingBenchmarkCommand.DataDir, TrainingBenchmarkCommand.Seed,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(Mallopt) && !CapsNetService.Training.Run.NativeMemoryTuning.KeepLargeAllocationsInHeap())
                Console.Error.WriteLine("warning: mallopt is not available here; running untuned");
            set_num_threads(result.GetValue(TrainingBenchmarkCommand.Threads));
            int batch = result.GetValue(Batch), repetitions = result.GetValue(Repetitions), seed = result.GetValue(TrainingBenchmarkCommand.Seed);
            var train = await BenchmarkData.LoadTrainingSetAsync(result.GetValue(TrainingBenchmarkCommand.DataDir)!, download: true, cancellationToken);
            manual_seed(seed);
            using var model = new CapsNet(CapsNetArchitecture.Paper);
            model.train();
            using var optimizer = optim.Adam(model.parameters(), lr: 1e-3);
            var loss = new CapsuleLoss();
            var stages = new Dictionary<string, List<double>>();
            void Add(string stage, long since) =>
                (stages.TryGetValue(stage, out var list) ? list : stages[stage] = []).Add(Stopwatch.GetElapsedTime(since).TotalMilliseconds);

            var random = new Random(seed);
            for (int r = -2; r < repetitions; r++)
            {
                using var scope = NewDisposeScope();
                var indices = Enumerable.Range(0, train.Count).OrderBy(_ => random.Next()).Take(batch).ToArray();
                long t = Stopwatch.GetTimestamp(), all = t;
                var (images, labels) = MnistBatch.Create(train, indices, CPU, 2, random);
                Add("batch (shift, to tensor)", t); t = Stopwatch.GetTimestamp();
                var features = nn.functional.relu(model.Conv1.forward(images));
                Add("forward: Conv1 + ReLU", t); t = Stopwatch.GetTimestamp();
                var primary = model.PrimaryCaps.forward(features);
                Add("forward: PrimaryCaps (conv + squash)", t); t = Stopwatch.GetTimestamp();
                var predictions = model.DigitCaps.Predictions(primary);
                Add("forward: û = W·u", t); t = Stopwatch.GetTimestamp();
                var (digits, coupling) = RoutingByAgreement.Route(predictions, model.Architecture.RoutingIterations);
                Add("forward: routing (3 iterations)", t); t = Stopwatch.GetTimestamp();
                var lengths = Capsules.Length(digits);
                var reconstruction = model.Decoder.forward(Decoder.Mask(digits, labels));
                var total = loss.Total(lengths, labels, reconstruction, images);
                Add("forward: lengths, decoder, loss", t); t = Stopwatch.GetTimestamp();
                optimizer.zero_grad();
                total.backward();
                Add("backward (all layers)", t); t = Stopwatch.GetTimestamp();
                optimizer.step();
                Add("Adam step", t);
                Add("whole step", all);
                if (r < 0) stages.Clear();
            }
            var table = new MarkdownTable("stage", "ms median", "min–max", "share of step");
            double whole = new Samples(stages["whole step"]).Median;
            foreach (var (stage, times) in stages)
            {
                var s = new Samples(times);
                table.Add(stage, s.Median.ToString("F1", CultureInfo.InvariantCulture),
                          $"{s.Min.ToString("F1", CultureInfo.InvariantCulture)}–{s.Max.ToString("F1", CultureInfo.InvariantCulture)}",
                          (s.Median / whole).ToString("P0", CultureInfo.InvariantCulture));
            }
            Console.WriteLine($"Trainer step by stage, batch {batch}, {get_num_threads()} threads, {repetitions} repetitions after 2 warm-up\n");
            Console.WriteLine(table);
            return 0;
        });
        return command;
    }
}
