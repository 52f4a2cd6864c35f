using System.Diagnostics;

namespace CapsNetService.Tests;

/// <summary>What a program run as a separate process left: its exit code and what it wrote.</summary>
public sealed record ProgramRun(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Standard output, then standard error: what a failing assertion shows.</summary>
    public string Output => StandardOutput + StandardError;

    /// <summary>
    /// Runs one of the repository's programs (a .dll beside the tests, e.g. capsnet-train.dll) under <c>dotnet</c>,
    /// the way users run it, until it exits; past <paramref name="timeout"/> it is killed and the exit code is -1.
    /// </summary>
    public static ProgramRun Start(string dll, IEnumerable<string> arguments, TimeSpan? timeout = null,
                                   IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (process.WaitForExit(timeout ?? Timeout.InfiniteTimeSpan))
            return new ProgramRun(process.ExitCode, stdout.Result, stderr.Result);
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return new ProgramRun(-1, stdout.Result, $"still running after {timeout!.Value.TotalSeconds} s; killed\n{stderr.Result}");
    }
}
