using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using CapsNetService.Benchmarks.Measurement;
using static TorchSharp.torch;

namespace CapsNetService.Benchmarks.Training;

/// <summary>What one row's child process measured.</summary>
public sealed record RowResult(string Implementation, string Mode, int Batch, double[] Milliseconds, double CoresBusy, double OthersCores,
                               int Retaken, double MeanLoss, double ResidentBeforeMiB, double PeakResidentMiB, bool MallocTuned)
{
    [JsonIgnore] public Samples Samples => new(Milliseconds);
}

/// <summary>
/// The hidden <c>training-row</c> command: times one (implementation, batch size, mode) in a process of its own and
/// prints the result as one JSON line. A fresh process per row keeps rows from sharing a heap (fragmentation,
/// glibc's adaptive mmap threshold, a tuning applied by another row) and gives each its own peak RSS (VmHWM).
/// </summary>
public static class RowCommand
{
    private const string Name = "training-row";
    private const string Marker = "row-result: ";
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };
    private static readonly Option<string> Impl = new("--impl") { DefaultValueFactory = _ => Implementation.Trainer };
    private static readonly Option<int> Batch = new("--batch") { DefaultValueFactory = _ => 100 };
    private static readonly Option<int> Steps = new("--steps") { DefaultValueFactory = _ => 5 };
    private static readonly Option<int> WarmUp = new("--warmup") { DefaultValueFactory = _ => 2 };
    private static readonly Option<bool> Forward = new("--forward-only") { Description = "time eval-mode forward passes instead of training steps" };
    private static readonly Option<double> MaxOthers = new("--max-others-cores") { DefaultValueFactory = _ => 0.15 };
    private static readonly Option<int> MaxRetakes = new("--max-retakes") { DefaultValueFactory = _ => 0 };

    public static Command Create()
    {
        var command = new Command(Name, "(internal) one row of `training`, in its own process")
        {
            Impl, Batch, Steps, WarmUp, Forward, MaxOthers, MaxRetakes,
            TrainingBenchmarkCommand.Threads, TrainingBenchmarkCommand.DataDir, TrainingBenchmarkCommand.Seed,
        };
        command.Hidden = true;
        command.SetAction(async (result, cancellationToken) =>
        {
            int seed = result.GetValue(TrainingBenchmarkCommand.Seed), batch = result.GetValue(Batch);
            var implementation = Implementation.Find(result.GetValue(Impl)!, seed);
            bool tuned = implementation.MallocTuning && CapsNetService.Training.Run.NativeMemoryTuning.KeepLargeAllocationsInHeap();
            if (implementation.MallocTuning && !tuned) Console.Error.WriteLine("warning: mallopt is not available here; running untuned");
            set_num_threads(result.GetValue(TrainingBenchmarkCommand.Threads));
            var train = await BenchmarkData.LoadTrainingSetAsync(result.GetValue(TrainingBenchmarkCommand.DataDir)!, download: false, cancellationToken);
            string label = $"{implementation.Name} batch {batch}";
            void Log(string line) => Console.Error.WriteLine(line);

            RowResult row;
            if (result.GetValue(Forward))
            {
                using var model = implementation.Create();
                model.eval();
                using var noGrad = no_grad();
                var (images, labels) = CapsNetService.Training.Data.MnistBatch.Create(train, Enumerable.Range(0, batch).ToArray(), CPU);
                labels.Dispose();
                using var input = images;
                double before = ProcessMemory.ResidentMiB() ?? double.NaN;
                var timing = StepTimer.Measure(result.GetValue(WarmUp), result.GetValue(Steps), () =>
                {
                    using var output = model.forward(input, null);
                    GC.KeepAlive(output.Lengths.data<float>().ToArray());   // read back, as a service would
                }, null, label, result.GetValue(MaxOthers), result.GetValue(MaxRetakes));
                row = new RowResult(implementation.Name, "forward", batch, timing.Milliseconds.Values, timing.CoresBusy, timing.OthersCores,
                                    timing.Retaken, double.NaN,
                                    before, ProcessMemory.PeakResidentMiB() ?? double.NaN, tuned);
            }
            else
            {
                using var model = implementation.Create();
                using var step = new TrainingStep(model, train, batch, seed, CPU);
                double before = ProcessMemory.ResidentMiB() ?? double.NaN;
                var timing = StepTimer.Measure(result.GetValue(WarmUp), result.GetValue(Steps), step.Run, Log, label,
                                               result.GetValue(MaxOthers), result.GetValue(MaxRetakes));
                row = new RowResult(implementation.Name, "train", batch, timing.Milliseconds.Values, timing.CoresBusy, timing.OthersCores,
                                    timing.Retaken, step.MeanLoss,
                                    before, ProcessMemory.PeakResidentMiB() ?? double.NaN, tuned);
            }
            Console.WriteLine(Marker + JsonSerializer.Serialize(row, Json));
            return 0;
        });
        return command;
    }

    /// <summary>Runs one row in a fresh child process of this same program.</summary>
    public static RowResult RunChild(string implementation, int batch, int steps, int warmUp, bool forwardOnly,
                                     int threads, string dataDirectory, int seed, double maxOthersCores, int maxRetakes)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        // Under `dotnet app.dll` the process is dotnet itself and needs the app's path; under the apphost it does not.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        string[] arguments =
        [
            Name, "--impl", implementation, "--batch", Invariant(batch), "--steps", Invariant(steps), "--warmup", Invariant(warmUp),
            "--threads", Invariant(threads), "--data-dir", dataDirectory, "--seed", Invariant(seed),
            "--max-others-cores", maxOthersCores.ToString(CultureInfo.InvariantCulture), "--max-retakes", Invariant(maxRetakes),
        ];
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        if (forwardOnly) start.ArgumentList.Add("--forward-only");
        using var child = Process.Start(start) ?? throw new InvalidOperationException("could not start a benchmark child process");
        string output = child.StandardOutput.ReadToEnd();   // the child's log goes to our stderr as it comes
        child.WaitForExit();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal));
        if (child.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"benchmark child ({string.Join(' ', arguments)}) failed with exit code {child.ExitCode}: {output}");
        return JsonSerializer.Deserialize<RowResult>(line[Marker.Length..], Json)!;
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
