using System.Diagnostics;

namespace CapsNetService.Inference.Api.Tests.Support;

/// <summary>
/// The real <c>capsnet-api</c> program as a separate process, for what happens before it serves: a start-up that
/// must fail: its exit code and stderr line are what operators see. (In memory this cannot be asserted: Program turns
/// the error into exit code 2, so WebApplicationFactory sees an entry point that returned; before that, it raced the
/// failing host's disposal and could throw ObjectDisposedException instead of the error.)
/// </summary>
public static class ServiceProcess
{
    /// <summary>Runs the service with these arguments until it exits (or the timeout kills it).</summary>
    public static (int ExitCode, string Output) RunToExit(TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "capsnet-api.dll"));
        // Port 0: should the start-up wrongly succeed, it binds nothing another test could need.
        foreach (var argument in (string[])["--urls", "http://127.0.0.1:0", .. arguments]) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, $"still running after {timeout.TotalSeconds} s\n{stdout.Result}{stderr.Result}");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
