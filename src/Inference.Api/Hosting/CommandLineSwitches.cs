namespace CapsNetService.Inference.Api.Hosting;

/// <summary>Short command-line forms of the configuration keys people change most.</summary>
public static class CommandLineSwitches
{
    public static readonly Dictionary<string, string> Mappings = new()
    {
        ["--provider"] = "Inference:Provider",
        ["--model-dir"] = "Inference:ModelDirectory",
        ["--threads"] = "Inference:IntraOpThreads",
        ["--max-batch"] = "Uploads:MaxBatchImages",
    };
}
