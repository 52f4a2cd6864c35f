using System.Text.Json;
using CapsNetService.Common;
using CapsNetService.Tests;
using CapsNetService.Training.Run;

namespace CapsNetService.Training.Tests.Cli;

/// <summary>The real <c>capsnet-train</c> program, run as a separate process the way users run it.</summary>
public sealed class TrainerCliTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("capsnet-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string RunDir => Path.Combine(folder, "run");

    [SlowFact]
    public void Train_evaluate_resume_and_export_work_end_to_end()
    {
        var train = Run("train", "--epochs", "1", "--limit-train", "200", "--limit-test", "100", "--batch-size", "50",
                        "--data-dir", RepositoryPaths.MnistDirectory, "--no-download", "--output", RunDir, "--device", "cpu");
        Assert.True(train.ExitCode == 0, train.Output);
        Assert.Contains("Epoch 1/1 train 4/4", train.Output);     // progress lines when output is not a terminal
        Assert.Contains("Best test accuracy", train.Output);
        foreach (var file in new[] { "checkpoints/last.ckpt", "checkpoints/best.ckpt", "metrics.csv", "metrics.json", "report.html",
                                     "loss.png", "accuracy.png", "reconstructions.png", "model/" + ModelContract.ModelFileName,
                                     "model/" + ModelContract.DecoderFileName, "model/" + ModelContract.MetadataFileName })
            Assert.True(File.Exists(Path.Combine(RunDir, file)), file);

        var jsonPath = Path.Combine(folder, "evaluation.json");
        var evaluate = Run("evaluate", "--checkpoint", Path.Combine(RunDir, "checkpoints/best.ckpt"), "--limit-test", "100",
                           "--data-dir", RepositoryPaths.MnistDirectory, "--no-download", "--json", jsonPath, "--device", "cpu");
        Assert.True(evaluate.ExitCode == 0, evaluate.Output);
        using var evaluation = JsonDocument.Parse(File.ReadAllText(jsonPath));
        var recorded = ModelMetadata.FromJson(File.ReadAllText(Path.Combine(RunDir, "model", ModelContract.MetadataFileName)));
        Assert.Equal(recorded.TestAccuracy, evaluation.RootElement.GetProperty("accuracy").GetDouble(), 1e-9);
        Assert.Equal(100, evaluation.RootElement.GetProperty("images").GetInt32());

        var resume = Run("train", "--epochs", "2", "--resume", "--limit-train", "200", "--limit-test", "100", "--batch-size", "50",
                         "--data-dir", RepositoryPaths.MnistDirectory, "--no-download", "--output", RunDir, "--device", "cpu", "--no-export");
        Assert.True(resume.ExitCode == 0, resume.Output);
        Assert.Contains("Resuming from", resume.Output);
        Assert.DoesNotContain("Epoch 1/2 train", resume.Output);
        Assert.Contains("Epoch 2/2 train", resume.Output);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(RunDir, "metrics.csv")).Length);   // header + 2 epochs

        var models = Path.Combine(folder, "models");
        var triton = Path.Combine(folder, "triton");
        var export = Run("export", "--checkpoint", Path.Combine(RunDir, "checkpoints/last.ckpt"), "--out", Path.Combine(models, "capsnet.onnx"),
                         "--data-dir", RepositoryPaths.MnistDirectory, "--triton-repository", triton);
        Assert.True(export.ExitCode == 0, export.Output);
        Assert.Contains("ONNX Runtime check", export.Output);
        Assert.True(File.Exists(Path.Combine(models, ModelContract.ModelFileName)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(models, ModelContract.ModelFileName)), File.ReadAllBytes(Path.Combine(triton, "capsnet", "1", "model.onnx")));
        Assert.True(File.Exists(Path.Combine(triton, "capsnet", "config.pbtxt")));

        // The folder now holds a run: starting afresh there needs --overwrite, and says so in one line.
        var again = ProgramRun.Start("capsnet-train.dll", ["train", "--epochs", "1", "--limit-train", "200", "--limit-test", "100",
            "--data-dir", RepositoryPaths.MnistDirectory, "--no-download", "--output", RunDir, "--device", "cpu"]);
        Assert.Equal(1, again.ExitCode);
        var line = Assert.Single(again.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("holds a previous run", line);
        Assert.Contains("--overwrite", line);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(RunDir, "metrics.csv")).Length);
    }

    [SlowFact]
    public void Bad_input_gives_one_clear_line_and_a_failing_exit_code_not_a_stack_trace()
    {
        var badEpochs = Run("train", "--epochs", "0", "--output", RunDir);
        Assert.Equal(2, badEpochs.ExitCode);
        Assert.Contains("--epochs must be at least 1", badEpochs.Output);

        var noWeights = Run("train", "--init-from", Path.Combine(folder, "nope.onnx"), "--output", RunDir);
        Assert.Equal(2, noWeights.ExitCode);
        Assert.Contains("--init-from: no such file", noWeights.Output);

        var badPrecision = Run("train", "--precision", "fp16", "--output", RunDir);
        Assert.NotEqual(0, badPrecision.ExitCode);
        Assert.Contains("fp16", badPrecision.Output);
        Assert.DoesNotContain("   at ", badPrecision.Output);

        var notAModel = Path.Combine(folder, "not-a-model.onnx");
        File.WriteAllText(notAModel, "this is not an ONNX file");
        var badWeights = Run("train", "--init-from", notAModel, "--data-dir", RepositoryPaths.MnistDirectory, "--no-download",
                             "--output", RunDir, "--device", "cpu");
        Assert.Equal(1, badWeights.ExitCode);
        Assert.Contains(notAModel, badWeights.Output);
        Assert.DoesNotContain("   at ", badWeights.Output);
        Assert.False(File.Exists(Trainer.LastCheckpointPath(RunDir)));

        var missing = Run("export", "--checkpoint", Path.Combine(folder, "nope.ckpt"), "--out", Path.Combine(folder, "models"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("checkpoint not found", missing.Output);
        Assert.DoesNotContain("   at ", missing.Output);
        Assert.False(Directory.Exists(Path.Combine(folder, "models")));

        var noData = Run("train", "--data-dir", Path.Combine(folder, "empty"), "--no-download", "--output", RunDir, "--device", "cpu");
        Assert.Equal(1, noData.ExitCode);
        Assert.Contains("train-images-idx3-ubyte", noData.Output);
        Assert.DoesNotContain("   at ", noData.Output);
    }

    private static (int ExitCode, string Output) Run(params string[] arguments)
    {
        var run = ProgramRun.Start("capsnet-train.dll", arguments, environment: new Dictionary<string, string> { ["COLUMNS"] = "200" });
        return (run.ExitCode, run.Output);
    }
}
