using System.Text.Json.Serialization;
using CapsNetService.Common.MultiMnist;
using CapsNetService.Training.Cli;
using CapsNetService.Training.Data;
using CapsNetService.Training.Model;

namespace CapsNetService.Training.Run;

/// <summary>
/// Everything a training run can be told, and the only place it is declared: <c>capsnet-train train</c> binds its
/// command line straight into this record (<see cref="CliOptionAttribute"/>), and the checkpoints, metrics.json, the
/// report and the exported model's metadata store this same record. The defaults are the paper's.
/// </summary>
public sealed record TrainOptions
{
    [CliOption("--dataset", "mnist (one digit per 28×28 image) or multimnist (two overlapping digits per 36×36 image, the paper's Section 6)")]
    public TrainingDataset Dataset { get; init; } = TrainingDataset.Mnist;

    [CliOption("--model", "capsnet, or cnn (the paper's baseline CNN; multimnist only)")]
    public ModelChoice Model { get; init; } = ModelChoice.CapsNet;

    [CliOption("--train-pairs", "multimnist: training pairs per epoch, drawn afresh each epoch from the first 55,000 training digits (the default is one pair per digit)")]
    public int TrainPairs { get; init; } = MultiMnistSplit.DefaultTrainingDigits;

    [CliOption("--validation-pairs", "multimnist: validation pairs drawn once from the 5,000 held-out training digits; they choose the best epoch")]
    public int ValidationPairs { get; init; } = MultiMnistSets.ValidationPairs;

    [CliOption("--test-pairs", "multimnist: use the first N pairs of the fixed test set (quick runs); reported, never used to choose")]
    public int TestPairs { get; init; } = MultiMnistSets.TestPairs;

    [CliOption("--epochs", "epochs to train (a run started with --init-from counts the epochs of its weights too)", MayChangeOnResume = true)]
    public int Epochs { get; init; } = 30;

    [CliOption("--batch-size", "images per optimisation step")]
    public int BatchSize { get; init; } = 100;

    [CliOption("--routing-iterations", "routing-by-agreement iterations")]
    public int RoutingIterations { get; init; } = 3;

    [CliOption("--learning-rate", "Adam's learning rate", Aliases = ["--lr"])]
    public double LearningRate { get; init; } = 1e-3;

    [CliOption("--lr-decay", "learning-rate factor applied after every epoch (1 = none; 0.9 as in CapsNet-Keras)")]
    public double LearningRateDecay { get; init; } = 1.0;

    [CliOption("--max-shift", "mnist: largest random shift of a training image, in pixels, drawn per image (MultiMNIST shifts each digit by up to 4 in its 36×36 canvas)")]
    public int MaxShift { get; init; } = 2;

    [CliOption("--seed", "random seed (weights, shuffling, shifts)")]
    public int Seed { get; init; } = 42;

    [CliOption("--limit-train", "use only the first N training images (quick runs)")]
    public int? LimitTrain { get; init; }

    [CliOption("--limit-test", "use only the first N test images (quick runs)")]
    public int? LimitTest { get; init; }

    [CliOption("--validation", "hold out the last N training images (never trained on) and choose the best epoch, kept and exported, by its accuracy on them instead of the test set's; 0 = off")]
    public int Validation { get; init; }

    [CliOption("--precision", "what the convolutions compute in while training: fp32, or bf16 (mixed precision, about 2x faster on CPUs with AVX512_BF16 and on GPUs); evaluation and export are always fp32")]
    public ConvolutionPrecision Precision { get; init; } = ConvolutionPrecision.Fp32;

    [CliOption("--ema-decay", "keep a moving average of the weights, updated after every step with this decay (e.g. 0.9998, an average over about the last 5,000 steps); the average is what is evaluated, kept as best and exported. 0 = off")]
    public double WeightAverageDecay { get; init; }

    [CliOption("--init-from", "start from these weights instead of random ones: a published capsnet.onnx or a checkpoint; --epochs and the learning-rate schedule count its epochs",
               IsPath = true, MayChangeOnResume = true)]
    public string? InitFrom { get; init; }

    [CliOption("--output", "run folder: checkpoints, metrics, report, exported model", Aliases = ["-o"], IsPath = true, MayChangeOnResume = true)]
    public string Output { get; init; } = "runs/latest";

    [CliOption("--resume", "continue from the output folder's last checkpoint", MayChangeOnResume = true, NotRecorded = true)]
    public bool Resume { get; init; }

    [CliOption("--overwrite", "start afresh in an --output folder that holds a previous run, replacing its checkpoints, metrics and report (without it, such a folder stops the run)",
               MayChangeOnResume = true, NotRecorded = true)]
    public bool Overwrite { get; init; }

    [CliOption("--no-export", "do not export the best checkpoint to ONNX at the end", MayChangeOnResume = true)]
    public bool NoExport { get; init; }

    [CliOption("--publish", "also publish the exported model into this models folder (e.g. models), atomically", IsPath = true, MayChangeOnResume = true)]
    public string? Publish { get; init; }

    [CliOption("--only-if-better", "leave a models folder alone when the model it holds claims at least this one's test accuracy", MayChangeOnResume = true)]
    public bool OnlyIfBetter { get; init; }

    [CliOption("--triton-repository", "also write a Triton model repository here (capsnet/config.pbtxt, capsnet/1/model.onnx) holding the exported classifier", IsPath = true, MayChangeOnResume = true)]
    public string? TritonRepository { get; init; }

    [CliOption("--data-dir", "folder with the MNIST IDX files (.gz or raw); missing files are downloaded into it", IsPath = true, MayChangeOnResume = true)]
    public string DataDir { get; init; } = "data/mnist";

    [CliOption("--no-download", "fail instead of downloading missing MNIST files", MayChangeOnResume = true)]
    public bool NoDownload { get; init; }

    [CliOption("--mnist-mirror", "base URL serving the MNIST .gz files; repeat to try several (default: the usual public mirrors)", MayChangeOnResume = true)]
    public string[] MnistMirror { get; init; } = [.. MnistFiles.DefaultMirrors];

    [CliOption("--device", "auto (CUDA when available), cuda or cpu", MayChangeOnResume = true)]
    public DeviceChoice Device { get; init; } = DeviceChoice.Auto;

    [CliOption("--libtorch-dir", $"load libtorch from this folder (e.g. a CUDA PyTorch's torch/lib) instead of the bundled one; also ${TorchRuntime.LibTorchDirVariable}",
               IsPath = true, MayChangeOnResume = true)]
    public string? LibTorchDir { get; init; }

    [JsonIgnore]
    public CapsNetArchitecture Architecture =>
        (Dataset == TrainingDataset.MultiMnist ? CapsNetArchitecture.MultiMnist : CapsNetArchitecture.Paper) with { RoutingIterations = RoutingIterations };

    /// <summary>The command line that gives these options (non-default values only), paths as they may be recorded.</summary>
    public string CommandLine() => $"capsnet-train train {OptionBinder<TrainOptions>.Instance.Arguments(this)}".TrimEnd();

    /// <summary>This record as checkpoints, reports and model metadata keep it: no absolute path of this machine.</summary>
    public TrainOptions Recorded() => OptionBinder<TrainOptions>.Instance.WithRecordedPaths(this);

    /// <summary>The options that shape the result and differ from the run being resumed, one phrase each; empty when
    /// it may be resumed with these options.</summary>
    public IReadOnlyList<string> ResumeConflicts(TrainOptions run) =>
        OptionBinder<TrainOptions>.Instance.Differences(run, this, cli => !cli.MayChangeOnResume);

    /// <summary>Clear messages for values that cannot work; empty when all is well.</summary>
    public IEnumerable<string> Validate()
    {
        if (Epochs < 1) yield return "--epochs must be at least 1";
        if (BatchSize < 1) yield return "--batch-size must be at least 1";
        if (RoutingIterations < 1) yield return "--routing-iterations must be at least 1";
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) yield return "--learning-rate must be a positive number";
        if (!(LearningRateDecay > 0 && LearningRateDecay <= 1)) yield return "--lr-decay must be in (0, 1]";
        if (!(WeightAverageDecay >= 0 && WeightAverageDecay < 1)) yield return "--ema-decay must be in [0, 1) (0 = no averaging)";
        if (MaxShift is < 0 or > 8) yield return "--max-shift must be between 0 and 8 pixels";
        if (LimitTrain is < 1) yield return "--limit-train must be at least 1";
        if (LimitTest is < 1) yield return "--limit-test must be at least 1";
        if (Validation < 0) yield return "--validation must be 0 (off) or a number of training images";
        if (Model == ModelChoice.Cnn && Dataset != TrainingDataset.MultiMnist) yield return "--model cnn is the MultiMNIST baseline: use it with --dataset multimnist";
        if (TrainPairs < 1) yield return "--train-pairs must be at least 1";
        if (ValidationPairs < 1) yield return "--validation-pairs must be at least 1";
        if (TestPairs is < 1 or > MultiMnistSets.TestPairs) yield return $"--test-pairs must be between 1 and {MultiMnistSets.TestPairs:N0}";
        if (Dataset == TrainingDataset.MultiMnist)
        {
            // MultiMNIST has its own sizes, split and shifts; MNIST's would be silently ignored.
            if (LimitTrain is not null) yield return "--limit-train is for mnist; use --train-pairs";
            if (LimitTest is not null) yield return "--limit-test is for mnist; use --test-pairs";
            if (Validation != 0) yield return $"--validation is for mnist; multimnist always holds out the last {MultiMnistSplit.DefaultHeldOut:N0} training digits (--validation-pairs)";
        }
        if (InitFrom is { } initFrom && !File.Exists(initFrom)) yield return $"--init-from: no such file: {Path.GetFullPath(initFrom)}";
    }
}
