using CapsNetService.Training.Cli;
using CapsNetService.Training.Model;
using CapsNetService.Training.Run;

namespace CapsNetService.Training.Tests.Run;

/// <summary>The trainer's one options record: the command line binds into it, and what it records reproduces it
/// without any machine's folders.</summary>
public sealed class TrainOptionsTests
{
    private static TrainOptions Parse(params string[] arguments)
    {
        var result = TrainCommand.Create().Parse(arguments);
        Assert.Empty(result.Errors);
        return OptionBinder<TrainOptions>.Instance.Bind(result);
    }

    [Fact]
    public void The_command_line_binds_straight_into_the_options_and_the_defaults_are_the_records()
    {
        Assert.Equal(new TrainOptions().CommandLine(), Parse().CommandLine());
        var options = Parse("--epochs", "7", "--lr", "0.002", "--lr-decay", "0.9", "--precision", "bf16", "--ema-decay", "0.999",
                            "--limit-train", "500", "--no-export", "--device", "cpu", "-o", "runs/x", "--mnist-mirror", "http://a/", "--mnist-mirror", "http://b/");
        Assert.Equal(7, options.Epochs);
        Assert.Equal(0.002, options.LearningRate);
        Assert.Equal(0.9, options.LearningRateDecay);
        Assert.Equal(ConvolutionPrecision.Bf16, options.Precision);
        Assert.Equal(0.999, options.WeightAverageDecay);
        Assert.Equal(500, options.LimitTrain);
        Assert.Null(options.LimitTest);
        Assert.True(options.NoExport);
        Assert.Equal(DeviceChoice.Cpu, options.Device);
        Assert.Equal("runs/x", options.Output);
        Assert.Equal(["http://a/", "http://b/"], options.MnistMirror);
        Assert.Equal(new TrainOptions().BatchSize, options.BatchSize);
    }

    [Fact]
    public void Triton_repository_binds_for_train_and_export_and_may_change_on_resume()
    {
        Assert.Null(Parse().TritonRepository);
        var options = Parse("--triton-repository", "triton");
        Assert.Equal("triton", options.TritonRepository);
        Assert.Empty(options.ResumeConflicts(Parse()));
        var export = ExportCommand.Create().Parse(["--checkpoint", "best.ckpt", "--triton-repository", "triton"]);
        Assert.Empty(export.Errors);
        Assert.Equal("triton", export.GetValue(CommonOptions.TritonRepository));
    }

    [Fact]
    public void The_recorded_command_line_parses_back_into_the_same_options()
    {
        var options = Parse("--epochs", "12", "--seed", "7", "--lr-decay", "0.95", "--precision", "bf16", "--max-shift", "1",
                            "--data-dir", "../shared/mnist", "--output", "runs/a b", "--resume");
        var again = Parse(SplitQuoted(options.CommandLine()["capsnet-train train ".Length..]));
        Assert.Empty(again.ResumeConflicts(options));
        Assert.Equal(options.CommandLine(), again.CommandLine());
        Assert.DoesNotContain("--resume", options.CommandLine());   // how an invocation started, not what the run is
    }

    [Fact]
    public void Absolute_paths_are_recorded_as_file_names_and_relative_ones_as_typed()
    {
        var options = new TrainOptions
        {
            DataDir = "/srv/data/mnist", Output = "/home/someone/runs/big/", InitFrom = "/tmp/e32.onnx", Publish = "models",
            LibTorchDir = "/opt/torch/lib",
        };
        var command = options.CommandLine();
        Assert.Equal("capsnet-train train --init-from e32.onnx --output big --publish models --data-dir mnist --libtorch-dir lib", command);
        var recorded = options.Recorded();
        Assert.Equal(("mnist", "big", "e32.onnx", "models", "lib"),
                     (recorded.DataDir, recorded.Output, recorded.InitFrom, recorded.Publish, recorded.LibTorchDir));
        Assert.Equal("/srv/data/mnist", options.DataDir);   // the options in use keep their real paths
    }

    [Fact]
    public void A_resume_may_change_how_long_and_where_but_not_what_is_trained()
    {
        var run = new TrainOptions { Epochs = 10, Seed = 3, LearningRateDecay = 0.9 };
        Assert.Empty((run with { Epochs = 20, Device = DeviceChoice.Cpu, DataDir = "elsewhere", NoExport = true, Resume = true })
                         .ResumeConflicts(run));
        var conflicts = (run with { Seed = 4, LearningRateDecay = 0.95, Precision = ConvolutionPrecision.Bf16 }).ResumeConflicts(run);
        Assert.Equal(["--lr-decay 0.95 (was 0.9)", "--seed 4 (was 3)", "--precision bf16 (was fp32)"], conflicts);
    }

    private static string[] SplitQuoted(string line)
    {
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        bool quoted = false;
        foreach (char c in line)
        {
            if (c == '\'') quoted = !quoted;
            else if (c == ' ' && !quoted) { if (current.Length > 0) parts.Add(current.ToString()); current.Clear(); }
            else current.Append(c);
        }
        if (current.Length > 0) parts.Add(current.ToString());
        return [.. parts];
    }
}
