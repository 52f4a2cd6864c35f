using System.Runtime.InteropServices;
using System.Text.Json;
using static TorchSharp.torch;

namespace CapsNetService.Benchmarks.Measurement;

/// <summary>What a reader needs to judge a figure: the CPU, cores, memory, OS, runtime and library versions.</summary>
public static class MachineDescription
{
    public static IReadOnlyList<(string Key, string Value)> Describe() =>
    [
        ("CPU", CpuModel()),
        ("logical CPUs visible to .NET", Environment.ProcessorCount.ToString()),
        ("memory", MemTotal()),
        ("OS", $"{OsPrettyName()}, Linux kernel {KernelRelease()}, {RuntimeInformation.OSArchitecture}"),
        (".NET", RuntimeInformation.FrameworkDescription),
        ("TorchSharp", PackageVersion("TorchSharp")),
        ("libtorch", "libtorch-cpu-linux-x64 " + PackageVersion("libtorch-cpu-linux-x64")),
        ("torch threads (intra-op / inter-op)", $"{get_num_threads()} / {get_num_interop_threads()}"),
        ("GC", System.Runtime.GCSettings.IsServerGC ? "server" : "workstation"),
    ];

    private static string CpuModel()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (!File.Exists(cpuinfo)) return RuntimeInformation.ProcessArchitecture.ToString();
        var lines = File.ReadLines(cpuinfo).TakeWhile(l => l.Length > 0).ToList();   // the first CPU's block
        string Field(string name) =>
            lines.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        var flags = Field("flags").Split(' ');
        var vector = new[] { "avx512f", "avx512_bf16", "avx2", "fma" }.Where(flags.Contains);
        // Virtual machines often show only a generic model name; family and model tell the generation.
        return $"{Field("model name")} (family {Field("cpu family")}, model {Field("model")}; {string.Join(", ", vector)})";
    }

    private static string MemTotal()
    {
        const string meminfo = "/proc/meminfo";
        if (!File.Exists(meminfo)) return "unknown";
        var line = File.ReadLines(meminfo).First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        long kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        return $"{kb / 1024.0 / 1024.0:F1} GiB";
    }

    private static string KernelRelease()
    {
        const string release = "/proc/sys/kernel/osrelease";
        return File.Exists(release) ? File.ReadAllText(release).Trim() : "unknown";
    }

    private static string OsPrettyName()
    {
        const string osRelease = "/etc/os-release";
        if (!File.Exists(osRelease)) return "unknown";
        var line = File.ReadLines(osRelease).FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
        return line?["PRETTY_NAME=".Length..].Trim('"') ?? "unknown";
    }

    /// <summary>The version of a NuGet package this app was built against, from its .deps.json.</summary>
    private static string PackageVersion(string package)
    {
        var deps = Path.Combine(AppContext.BaseDirectory, AppDomain.CurrentDomain.FriendlyName + ".deps.json");
        if (!File.Exists(deps)) return "unknown";
        using var json = JsonDocument.Parse(File.ReadAllText(deps));
        foreach (var library in json.RootElement.GetProperty("libraries").EnumerateObject())
        {
            var parts = library.Name.Split('/');
            if (parts.Length == 2 && parts[0].Equals(package, StringComparison.OrdinalIgnoreCase)) return parts[1];
        }
        return "unknown";
    }
}
