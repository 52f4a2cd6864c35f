using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CapsNetService.Common;
using CapsNetService.Common.Mnist;
using CapsNetService.Inference.Api.Models;
using Microsoft.ML.OnnxRuntime;

// capsnet-provider-check: README.md beside this file. Exit codes: 0 all checks passed, 1 a check failed, 2 usage.
var modelDir = new Option<string>("--model-dir") { Description = "the models folder (capsnet.onnx, capsnet.decoder.onnx)", DefaultValueFactory = _ => "models" };
var dataDir = new Option<string>("--data-dir") { Description = "MNIST's t10k-* files (.gz or raw)", DefaultValueFactory = _ => "data/mnist" };
var provider = new Option<string>("--provider") { Description = "the provider under test: cuda or cpu (the reference is always cpu)", DefaultValueFactory = _ => "cuda" };
var imageCount = new Option<int>("--images") { Description = "test images compared with the CPU provider", DefaultValueFactory = _ => 1000 };
var tolerance = new Option<double>("--tolerance") { Description = "largest allowed |difference| of a capsule length", DefaultValueFactory = _ => 1e-4 };
var batches = new Option<int[]>("--batch") { Description = "classifier batch sizes to time", DefaultValueFactory = _ => [1, 64, 256], AllowMultipleArgumentsPerToken = true };
var seconds = new Option<double>("--seconds") { Description = "about this long per timed batch size", DefaultValueFactory = _ => 3.0 };
var output = new Option<string?>("--out") { Description = "also write the Markdown report to this file" };

var root = new RootCommand("Checks a models folder on an ONNX Runtime execution provider against the CPU provider: "
                           + "placement of every node, outputs on real MNIST test digits, throughput.")
{
    modelDir, dataDir, provider, imageCount, tolerance, batches, seconds, output,
};
root.SetAction(parse =>
{
    var preference = parse.GetValue(provider)!.ToLowerInvariant();
    if (preference is not ("cuda" or "cpu")) { Console.Error.WriteLine("--provider must be cuda or cpu"); return 2; }
    int images = parse.GetValue(imageCount);
    var sizes = parse.GetValue(batches)!;
    if (images < 1 || sizes.Length == 0 || sizes.Any(b => b < 1)) { Console.Error.WriteLine("--images and --batch need positive numbers"); return 2; }
    return ProviderCheck.Run(Path.GetFullPath(parse.GetValue(modelDir)!), Path.GetFullPath(parse.GetValue(dataDir)!), preference,
                             images, parse.GetValue(tolerance), sizes, parse.GetValue(seconds), parse.GetValue(output));
});
return await root.Parse(args).InvokeAsync();

internal static class ProviderCheck
{
    public static int Run(string modelDir, string dataDir, string preference, int imageCount, double tolerance,
                          int[] batches, double seconds, string? outPath)
    {
        var report = new StringBuilder();
        void Emit(string line) { Console.WriteLine(line); report.AppendLine(line); }
        bool passed = true;
        void Check(bool ok, string what) { passed &= ok; Emit($"- {(ok ? "PASS" : "FAIL")}: {what}"); }

        Emit($"# ONNX Runtime provider check: {preference}\n");
        Emit($"- ONNX Runtime {OrtEnv.Instance().GetVersionString()}, providers in this build: {string.Join(", ", OrtEnv.Instance().GetAvailableProviders())}");
        Emit($"- .NET {Environment.Version}, {Environment.ProcessorCount} logical CPUs");
        var test = MnistIdxReader.ReadSet(Path.Combine(dataDir, "t10k-images-idx3-ubyte.gz"), Path.Combine(dataDir, "t10k-labels-idx1-ubyte.gz")).Take(imageCount);
        var digits = Enumerable.Range(0, test.Count).Select(i => test.ModelInput(i, 1)).ToList();
        Emit($"- {test.Count} MNIST test images from the t10k files\n");

        // 1. The service's own factory and loader, as `--provider cuda` (or cpu) would load the folder.
        var (classifierFile, decoderFile, recorded) = OnnxModelLoader.ReadFiles(modelDir);
        using var reference = Load("cpu", classifierFile, decoderFile, recorded);
        Emit($"## Loading through the service (`Inference:Provider={preference}`)\n");
        Loaded candidate;
        try
        {
            candidate = Load(preference, classifierFile, decoderFile, recorded);
        }
        catch (ModelRejectedException e)
        {
            Check(false, $"the service loads the model on {preference}: {e.Message}");
            if (outPath is not null) File.WriteAllText(outPath, report.ToString());
            return 1;
        }
        using var _ = candidate;
        Emit($"- model {candidate.Model.Version}, classifier on {candidate.Model.ExecutionProvider}, load {candidate.Model.LoadDuration.TotalMilliseconds:F0} ms");
        Check(candidate.Model.ExecutionProvider == (preference == "cuda" ? OnnxSessionFactory.CudaProvider : OnnxSessionFactory.CpuProvider)
              && candidate.Model.ProviderFallbackReason is null,
              $"the service runs the model on {candidate.Model.ExecutionProvider}{(candidate.Model.ProviderFallbackReason is { } r ? $" (fallback: {r})" : "")}");

        // 2. Every node on the provider: a strict session refuses to be made if any node would fall back to the
        //    CPU, and a profiled run lists the provider each node actually ran on.
        if (preference == "cuda")
        {
            Emit("\n## Node placement\n");
            foreach (var file in new[] { classifierFile, decoderFile })
            {
                var (strictError, placement) = Placement(file.Bytes, file.Name == ModelContract.ModelFileName);
                Check(strictError is null, $"{file.Name} loads with `session.disable_cpu_ep_fallback = 1`{(strictError is null ? "" : ": " + strictError)}");
                Emit($"  - profiled run, nodes by provider: {string.Join(", ", placement.Select(p => $"{p.Key} {p.Value}"))}");
                Check(placement.Count > 0 && placement.Keys.All(k => k == OnnxSessionFactory.CudaProvider),
                      $"{file.Name}: every node ran on {OnnxSessionFactory.CudaProvider}");
            }
        }

        // 3. The same outputs as the CPU provider on real digits, and the same accuracy.
        Emit($"\n## Outputs against the CPU provider ({test.Count} test images, batches of 64)\n");
        double maxLength = 0, maxCapsule = 0, maxPixel = 0;
        int agree = 0, correctCandidate = 0, correctReference = 0;
        for (int start = 0; start < digits.Count; start += 64)
        {
            var chunk = digits.GetRange(start, Math.Min(64, digits.Count - start));
            var expected = reference.Model.Classifier.Classify(chunk);
            var actual = candidate.Model.Classifier.Classify(chunk);
            for (int n = 0; n < chunk.Count; n++)
            {
                maxLength = Math.Max(maxLength, MaxAbsDiff(expected[n].Probabilities, actual[n].Probabilities));
                maxCapsule = Math.Max(maxCapsule, MaxAbsDiff(expected[n].Capsules, actual[n].Capsules));
                maxPixel = Math.Max(maxPixel, MaxAbsDiff(expected[n].Reconstruction, actual[n].Reconstruction));
                agree += expected[n].Digit == actual[n].Digit ? 1 : 0;
                int label = test.Labels[start + n];
                correctReference += expected[n].Digit == label ? 1 : 0;
                correctCandidate += actual[n].Digit == label ? 1 : 0;
            }
        }
        Emit($"- max |Δ| capsule length {maxLength:E2}, capsule value {maxCapsule:E2}, reconstruction pixel {maxPixel:E2}");
        Emit($"- accuracy: {preference} {100.0 * correctCandidate / test.Count:F2} %, cpu {100.0 * correctReference / test.Count:F2} %; same digit on {agree} of {test.Count}");
        Check(maxLength <= tolerance, $"capsule lengths within {tolerance:E0} of the CPU provider's");
        Check(agree == test.Count, "the same digit for every image");

        // 4. Throughput of the classifier call the service makes (Classify: copy in, run, copy out).
        Emit($"\n## Throughput ({preference}, the service's classifier call, about {seconds:F0} s per batch size)\n");
        Emit("| batch | calls | ms per call (median) | images/s |");
        Emit("| ---: | ---: | ---: | ---: |");
        foreach (int batch in batches)
        {
            var input = Enumerable.Range(0, batch).Select(i => digits[i % digits.Count]).ToList();
            for (int w = 0; w < 3; w++) candidate.Model.Classifier.Classify(input);
            var times = new List<double>();
            var total = Stopwatch.StartNew();
            while (total.Elapsed.TotalSeconds < seconds || times.Count < 5)
            {
                long t0 = Stopwatch.GetTimestamp();
                candidate.Model.Classifier.Classify(input);
                times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
            times.Sort();
            double imagesPerSecond = batch * times.Count / times.Sum() * 1000;
            Emit($"| {batch} | {times.Count} | {times[times.Count / 2]:F3} | {imagesPerSecond:F0} |");
        }

        Emit($"\n**{(passed ? "All checks passed" : "A check FAILED")}.**");
        if (outPath is not null) File.WriteAllText(outPath, report.ToString());
        return passed ? 0 : 1;
    }

    private sealed class Loaded(LoadedModel model) : IDisposable
    {
        public LoadedModel Model { get; } = model;
        public void Dispose() { Model.Classifier.Dispose(); Model.Decoder.Dispose(); }
    }

    private static Loaded Load(string preference, ModelFile classifier, ModelFile decoder, PublishedFileHashes? recorded)
    {
        var factory = new OnnxSessionFactory(Enum.Parse<ExecutionProviderPreference>(preference, ignoreCase: true));
        return new Loaded(new OnnxModelLoader(factory, TimeProvider.System).Load(classifier, decoder, recorded: recorded));
    }

    /// <summary>Tries a strict CUDA session (no CPU fallback), then runs a profiled CUDA session once and counts the
    /// node events of its profile by execution provider.</summary>
    private static (string? StrictError, SortedDictionary<string, int> NodesByProvider) Placement(byte[] model, bool classifier)
    {
        string? strictError = null;
        try
        {
            using var strict = new SessionOptions();
            strict.AddSessionConfigEntry("session.disable_cpu_ep_fallback", "1");
            strict.AppendExecutionProvider_CUDA(0);
            using var session = new InferenceSession(model, strict);
        }
        catch (OnnxRuntimeException e)
        {
            strictError = e.Message.ReplaceLineEndings(" ");
        }

        var prefix = Path.Combine(Path.GetTempPath(), $"capsnet-provider-profile-{Environment.ProcessId}-{(classifier ? "c" : "d")}");
        using var profiled = new SessionOptions { EnableProfiling = true, ProfileOutputPathPrefix = prefix };
        profiled.AppendExecutionProvider_CUDA(0);
        using var run = new InferenceSession(model, profiled);
        var shape = classifier ? new long[] { 2, 1, ModelContract.ImageSide, ModelContract.ImageSide } : [2, ModelContract.Classes, ModelContract.CapsuleDims];
        var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
        using var input = OrtValue.CreateTensorValueFromMemory(values, shape);
        var inputName = classifier ? ModelContract.ImageInput : ModelContract.DecoderCapsulesInput;
        using (var runOptions = new RunOptions())
        using (run.Run(runOptions, [inputName], [input], run.OutputNames)) { }
        var profile = run.EndProfiling();

        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        using (var json = JsonDocument.Parse(File.ReadAllText(profile)))
            foreach (var ev in json.RootElement.EnumerateArray())
                if (ev.TryGetProperty("cat", out var cat) && cat.GetString() == "Node"
                    && ev.TryGetProperty("args", out var a) && a.TryGetProperty("provider", out var p)
                    && ev.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal))
                    counts[p.GetString()!] = counts.GetValueOrDefault(p.GetString()!) + 1;
        File.Delete(profile);
        return (strictError, counts);
    }

    private static double MaxAbsDiff(float[] a, float[] b)
    {
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }
}
