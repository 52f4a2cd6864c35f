using CapsNetService.Training.Checkpoints;
using System.CommandLine;
using CapsNetService.Training.Cli;
using CapsNetService.Training.Data;
using CapsNetService.Training.Export;
using CapsNetService.Training.Run;
using Spectre.Console;

var root = new RootCommand("CapsNetService trainer: trains the CapsNet of Sabour et al. (2017) on MNIST, "
                           + "evaluates checkpoints and exports them to ONNX for the inference service.")
{
    TrainCommand.Create(),
    EvaluateCommand.Create(),
    ExportCommand.Create(),
    CalibrateCommand.Create(),
    QuantizeCommand.Create(),
};

try
{
    // Our own handler below turns expected failures into one line; anything else keeps its stack trace.
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is MnistUnavailableException or CheckpointException or ExportCheckFailedException or InvalidDataException
                              or FileNotFoundException or DirectoryNotFoundException or ArgumentException
                              or InvalidOperationException or UnauthorizedAccessException or IOException)
{
    // Expected failures get one clear line, not a stack trace: on stderr, never wrapped (Spectre.Console wraps at
    // 80 columns when the output is not a terminal, which cut paths in logs into pieces).
    var line = e.Message.ReplaceLineEndings(" ");
    Console.Error.WriteLine(Console.IsErrorRedirected ? $"error: {line}" : $"\u001b[31merror:\u001b[0m {line}");
    return ExitCodes.Failure;
}
