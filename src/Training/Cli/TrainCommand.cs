using System.CommandLine;
using CapsNetService.Training.Run;
using Spectre.Console;

namespace CapsNetService.Training.Cli;

/// <summary><c>train</c>: binds the command line into <see cref="TrainOptions"/>, checks it, and runs a
/// <see cref="TrainingRun"/>.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var command = new Command("train", "Train a CapsNet on MNIST");
        foreach (var option in OptionBinder<TrainOptions>.Instance.Options) command.Options.Add(option);
        command.SetAction(Run);
        return command;
    }

    private static async Task<int> Run(ParseResult result, CancellationToken cancellationToken)
    {
        var options = OptionBinder<TrainOptions>.Instance.Bind(result);
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            foreach (var problem in problems) AnsiConsole.MarkupLine($"[red]{Markup.Escape(problem)}[/]");
            return ExitCodes.BadArguments;
        }

        // Fail before training, not after the first epoch (or, for --publish, after the whole run).
        WritableFolder.Require(options.Output, "--output");
        if (options.Publish is { } publishTo) WritableFolder.Require(publishTo, "--publish");
        if (options.TritonRepository is { } triton) WritableFolder.Require(triton, "--triton-repository");

        var progress = new ConsoleTrainingProgress();
        var device = TorchRuntime.Initialise(options.Device, options.LibTorchDir, progress.Log);
        progress.Log($"Device: {TorchRuntime.Describe(device)}");
        await new TrainingRun(options, device, progress).ExecuteAsync(cancellationToken);
        return ExitCodes.Success;
    }
}
