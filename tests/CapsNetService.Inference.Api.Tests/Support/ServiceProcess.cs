using CapsNetService.Tests;

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
        // Port 0: should the start-up wrongly succeed, it binds nothing another test could need.
        var run = ProgramRun.Start("capsnet-api.dll", ["--urls", "http://127.0.0.1:0", .. arguments], timeout);
        return (run.ExitCode, run.Output);
    }
}
