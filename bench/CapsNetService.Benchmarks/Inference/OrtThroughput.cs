using System.Diagnostics;
using CapsNetService.Benchmarks.Measurement;
using CapsNetService.Common.Mnist;
using CapsNetService.Training.Data;

namespace CapsNetService.Benchmarks.Inference;

/// <summary>
/// Raw ONNX Runtime throughput of one classifier graph on real MNIST test digits, in this process, with the service's
/// session settings (<see cref="OrtConfiguration.Service"/>) and the service's per-call work (<see cref="OrtGraphs"/>):
/// images/s at a batch size, each size timed once per instance and then remembered.
/// </summary>
public sealed class OrtThroughput : IDisposable
{
    private readonly OrtGraphs _graphs;
    private readonly float[][] _images;
    private readonly Dictionary<int, BlockTiming> _measured = [];
    private readonly double _seconds, _maxOthers;
    private readonly Action<string> _log;

    public OrtThroughput(string modelPath, string mnistDirectory, double secondsPerBatch, double maxOthersCores, Action<string> log, int images = 256)
    {
        _graphs = new OrtGraphs(OrtConfiguration.Service, File.ReadAllBytes(modelPath), null);
        var test = MnistIdxReader.ReadSet(
            MnistFiles.Find(mnistDirectory, MnistFiles.TestImages) ?? throw new FileNotFoundException($"no t10k-images in {mnistDirectory}"),
            MnistFiles.Find(mnistDirectory, MnistFiles.TestLabels) ?? throw new FileNotFoundException($"no t10k-labels in {mnistDirectory}"));
        _images = Enumerable.Range(0, Math.Min(images, test.Count)).Select(i => test.ModelInput(i, 1)).ToArray();
        _seconds = secondsPerBatch;
        _maxOthers = maxOthersCores;
        _log = log;
    }

    /// <summary>The calls timed at <paramref name="batch"/> (measured on first use: about the seconds given, at least 5 calls).</summary>
    public BlockTiming Timing(int batch)
    {
        if (_measured.TryGetValue(batch, out var known)) return known;
        int next = 0;
        void Call() { _graphs.Classify(_images, next, batch); next = (next + batch) % _images.Length; }
        Call();
        long started = Stopwatch.GetTimestamp();
        Call();
        double ms = Math.Max(0.01, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        int repetitions = Math.Clamp((int)Math.Ceiling(_seconds * 1000 / ms), 5, 2000);
        var timing = BlockTimer.Measure(1, repetitions, Call, 250, _maxOthers, 3, _log, $"raw ORT batch {batch}");
        _measured[batch] = timing;
        _log($"   raw ONNX Runtime, batch {batch}: {ImagesPerSecond(batch, timing):F1} images/s ({repetitions} calls, others {timing.OthersCores:F2} cores)");
        return timing;
    }

    /// <summary>Images/s at <paramref name="batch"/>: the batch over the mean call time.</summary>
    public double ImagesPerSecond(int batch) => ImagesPerSecond(batch, Timing(batch));

    /// <summary>Images/s at a mean batch size, interpolated (<see cref="ThroughputRatio.RawAt"/>).</summary>
    public double ImagesPerSecondAt(double meanBatch)
    {
        var (lower, upper) = ThroughputRatio.Bracket(meanBatch);
        return ThroughputRatio.RawAt(meanBatch, ImagesPerSecond(lower), ImagesPerSecond(upper));
    }

    /// <summary>Cores this process kept busy during the calls at a mean batch size (interpolated as the rate is).</summary>
    public double CoresBusyAt(double meanBatch)
    {
        var (lower, upper) = ThroughputRatio.Bracket(meanBatch);
        return ThroughputRatio.RawAt(meanBatch, Timing(lower).CoresBusy, Timing(upper).CoresBusy);
    }

    private static double ImagesPerSecond(int batch, BlockTiming timing) => batch / (timing.Milliseconds.Values.Average() / 1000);

    public void Dispose() => _graphs.Dispose();
}
