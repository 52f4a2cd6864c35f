using System.CommandLine;
using CapsNetService.Benchmarks.Training;

// One console harness, one subcommand per area. `training` is here; `inference` (ONNX Runtime) and `http`
// (the service under load) are to be added beside it as further commands in their own folders.
var root = new RootCommand("CapsNetService benchmarks: prints Markdown tables for docs/benchmarks.md. "
                           + "Measure on a quiet machine; each figure is compared with a baseline timed in the same run.")
{
    TrainingBenchmarkCommand.Create(),
    RowCommand.Create(),
    ProfileCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
