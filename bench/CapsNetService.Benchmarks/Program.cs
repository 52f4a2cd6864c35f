using System.CommandLine;
using CapsNetService.Benchmarks.Http;
using CapsNetService.Benchmarks.Inference;
using CapsNetService.Benchmarks.PyTorch;
using CapsNetService.Benchmarks.Scaling;
using CapsNetService.Benchmarks.Training;

// One console harness, one subcommand per area, each in its own folder: `training` (TorchSharp), `inference`
// (ONNX Runtime on the CPU), `http` (the service under load), `pytorch` (a PyTorch eager baseline beside both) and
// `scaling` (cost against the batch size).
var root = new RootCommand("CapsNetService benchmarks: prints Markdown tables for docs/benchmarks.md. "
                           + "Measure on a quiet machine; each figure is compared with a baseline timed in the same run.")
{
    TrainingBenchmarkCommand.Create(),
    RowCommand.Create(),
    ProfileCommand.Create(),
    InferenceBenchmarkCommand.Create(),
    HttpBenchmarkCommand.Create(),
    PyTorchBenchmarkCommand.Create(),
    ScalingCommand.Create(),
    ScalingCommand.CreateRow(),
};
return await root.Parse(args).InvokeAsync();
