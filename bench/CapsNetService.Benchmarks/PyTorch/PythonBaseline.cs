using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CapsNetService.Benchmarks.Measurement;

namespace CapsNetService.Benchmarks.PyTorch;

/// <summary>What one run of bench/pytorch/capsnet_eager.py printed: the timings of a <c>train</c> or <c>infer</c>
/// row, or the differences a <c>check</c> found; and which Python, torch and thread count ran it.</summary>
public sealed record PythonResult(string Mode, int Batch, string TorchVersion, string NumpyVersion, string Python, int Threads,
                                  double? PeakResidentMiB, double[]? Milliseconds = null, double CoresBusy = double.NaN,
                                  double OthersCores = double.NaN, int Retaken = 0, double? MeanLoss = null,
                                  double LengthsMaxAbsDiff = double.NaN, double ReconstructionMaxAbsDiff = double.NaN,
                                  double LossAbsDiff = double.NaN, Dictionary<string, GradientDifference>? Gradients = null)
{
    public Samples Samples => new(Milliseconds ?? throw new InvalidOperationException($"a '{Mode}' result has no timings"));
}

/// <summary>How far PyTorch's gradient of the loss with respect to one parameter is from TorchSharp's.</summary>
public sealed record GradientDifference(double MaxAbsDiff, double RelNormDiff);

/// <summary>
/// Runs the PyTorch eager baseline, bench/pytorch/capsnet_eager.py, in a child process of a given Python (by default
/// Debian's /usr/bin/python3 with python3-torch, not whatever <c>python3</c> is first on PATH) and reads the one
/// <c>row-result:</c> line it prints.
/// </summary>
public static class PythonBaseline
{
    public const string DefaultPython = "/usr/bin/python3";
    public const string Marker = "row-result: ";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string DefaultScript => RepositoryRoot.Path("bench", "pytorch", "capsnet_eager.py");

    /// <summary>The torch version <paramref name="python"/> imports, or null (with the reason) when it has none.</summary>
    public static (string? Version, string Detail) TorchVersion(string python)
    {
        try
        {
            var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { "-c", "import numpy, torch; print(torch.__version__)" }) start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0
                ? (stdout.Result.Trim(), $"{python}: torch {stdout.Result.Trim()}")
                : (null, $"{python} cannot import torch and numpy: {stderr.Trim().Split('\n').LastOrDefault()}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (null, $"{python} cannot be started: {e.Message}");
        }
    }

    /// <summary>The Debian package that gives <see cref="DefaultPython"/> torch and numpy.</summary>
    public const string DebianPackage = "python3-torch";

    /// <summary>Installs <see cref="DebianPackage"/> with apt-get (refreshing the package lists first), its output going
    /// to ours; false with the reason when there is no apt-get, we are not root, or the install fails.</summary>
    public static (bool Installed, string Detail) InstallTorch(Action<string> log)
    {
        if (!File.Exists("/usr/bin/apt-get")) return (false, "no apt-get on this host");
        if (Environment.UserName != "root") return (false, $"apt-get needs root (running as {Environment.UserName})");
        var started = Stopwatch.StartNew();
        foreach (var arguments in new[] { new[] { "update", "-qq" }, ["install", "-y", "-qq", "--no-install-recommends", DebianPackage] })
        {
            log($"   apt-get {string.Join(' ', arguments)}");
            var start = new ProcessStartInfo("/usr/bin/apt-get") { UseShellExecute = false };
            foreach (var argument in arguments) start.ArgumentList.Add(argument);
            start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
            using var process = Process.Start(start)!;
            process.WaitForExit();
            if (process.ExitCode != 0) return (false, $"apt-get {arguments[0]} failed with exit code {process.ExitCode}");
        }
        return (true, $"installed {DebianPackage} in {started.Elapsed.TotalSeconds:F0} s");
    }

    /// <summary>Runs <c>python script mode arguments…</c>; its stderr (progress) goes to ours as it comes.</summary>
    public static PythonResult Run(string python, string script, string mode, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(mode);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // One numerical library thread pool, sized by --threads alone (OpenMP would otherwise read its own variables).
        start.Environment.Remove("OMP_NUM_THREADS");
        start.Environment.Remove("MKL_NUM_THREADS");
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {python}");
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{python} {script} {mode} failed with exit code {process.ExitCode}: {output}");
        return Parse(output);
    }

    /// <summary>The result on the <see cref="Marker"/> line of a run's stdout.</summary>
    public static PythonResult Parse(string output)
    {
        var line = output.Split('\n').Select(l => l.TrimEnd('\r')).LastOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal))
                   ?? throw new FormatException($"no '{Marker.Trim()}' line in the PyTorch baseline's output: {output}");
        return JsonSerializer.Deserialize<PythonResult>(line[Marker.Length..], Json)
               ?? throw new FormatException("an empty PyTorch baseline result");
    }

    public static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
