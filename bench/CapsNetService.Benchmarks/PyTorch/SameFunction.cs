using CapsNetService.Benchmarks.Measurement;
using CapsNetService.Benchmarks.Training;

namespace CapsNetService.Benchmarks.PyTorch;

/// <summary>
/// The verdict on a PyTorch <c>check</c> run, with the TorchSharp baseline's tolerances
/// (<see cref="EquivalenceCheck.OutputTolerance"/>, <see cref="EquivalenceCheck.GradientTolerance"/>), applied to the
/// gradient of every parameter rather than Conv1's alone: a wrong reshape or routing axis shows in some of them.
/// </summary>
public sealed record SameFunction(PythonResult Check, string WorstParameter, double WorstGradientRelDiff, string? Reason)
{
    public bool Agrees => Reason is null;

    /// <summary>The parameters whose gradients the table shows by name: the first layer (reached through routing) and routing's weights.</summary>
    public static readonly string[] Shown = ["conv1.weight", "digitCaps.weights"];

    public static SameFunction Judge(PythonResult check)
    {
        var gradients = check.Gradients ?? [];
        var missing = Shown.Where(name => !gradients.ContainsKey(name)).ToList();
        var worst = gradients.Count == 0 ? default : gradients.MaxBy(g => g.Value.RelNormDiff);
        string? reason = null;
        if (missing.Count > 0 || gradients.Count == 0)
            reason = $"no gradient reported for {string.Join(", ", missing.DefaultIfEmpty("any parameter"))}";
        else if (Failed(check.LengthsMaxAbsDiff, EquivalenceCheck.OutputTolerance))
            reason = $"lengths differ by {PyTorchBenchmarkCommand.Sci(check.LengthsMaxAbsDiff)}";
        else if (Failed(check.ReconstructionMaxAbsDiff, EquivalenceCheck.OutputTolerance))
            reason = $"reconstructions differ by {PyTorchBenchmarkCommand.Sci(check.ReconstructionMaxAbsDiff)}";
        else if (Failed(check.LossAbsDiff, EquivalenceCheck.OutputTolerance))
            reason = $"losses differ by {PyTorchBenchmarkCommand.Sci(check.LossAbsDiff)}";
        else if (Failed(worst.Value.RelNormDiff, EquivalenceCheck.GradientTolerance))
            reason = $"the gradient of {worst.Key} differs by {PyTorchBenchmarkCommand.Sci(worst.Value.RelNormDiff)} (relative norm)";
        return new SameFunction(check, worst.Key ?? "–", worst.Value?.RelNormDiff ?? double.NaN, reason);
    }

    /// <summary>NaN (a missing or non-finite figure) fails too.</summary>
    private static bool Failed(double difference, double tolerance) => !(difference < tolerance);

    public MarkdownTable Table()
    {
        var gradients = Check.Gradients ?? [];
        string Gradient(string name) => gradients.TryGetValue(name, out var g) ? PyTorchBenchmarkCommand.Sci(g.RelNormDiff) : "–";
        var table = new MarkdownTable(@"max \|Δ lengths\|", @"max \|Δ reconstruction\|", @"\|Δ loss\|", "‖Δ∇conv1.weight‖ / ‖∇‖",
                                      "‖Δ∇digitCaps.weights‖ / ‖∇‖", "worst ‖Δ∇‖ / ‖∇‖ (parameter)", "same function?");
        table.Add(PyTorchBenchmarkCommand.Sci(Check.LengthsMaxAbsDiff), PyTorchBenchmarkCommand.Sci(Check.ReconstructionMaxAbsDiff),
                  PyTorchBenchmarkCommand.Sci(Check.LossAbsDiff), Gradient(Shown[0]), Gradient(Shown[1]),
                  $"{PyTorchBenchmarkCommand.Sci(WorstGradientRelDiff)} ({WorstParameter})", Agrees ? "yes" : $"**NO**: {Reason}");
        return table;
    }
}
