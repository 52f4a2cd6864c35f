using System.Globalization;

namespace CapsNetService.Benchmarks.PyTorch;

/// <summary>Each row's speed against PyTorch eager's row of the same mode and batch size, in the same run.</summary>
public static class Ratios
{
    /// <returns>PyTorch eager's median ÷ this row's median (> 1: faster than PyTorch), or null without a PyTorch row.</returns>
    public static double? AgainstPyTorch(IReadOnlyList<PyTorchBenchmarkCommand.Row> rows, PyTorchBenchmarkCommand.Row row)
    {
        var baseline = rows.FirstOrDefault(r => r.Implementation == PyTorchBenchmarkCommand.PyTorchEager && r.Mode == row.Mode && r.Batch == row.Batch);
        return baseline is null ? null : baseline.Samples.Median / row.Samples.Median;
    }

    public static string Format(double? ratio) => ratio is { } r ? r.ToString("F2", CultureInfo.InvariantCulture) + "×" : "–";

    /// <summary>One phrase per row other than PyTorch's: "TorchSharp … training, batch 100: 2.50×".</summary>
    public static List<string> Summary(IReadOnlyList<PyTorchBenchmarkCommand.Row> rows) =>
        rows.Where(r => r.Implementation != PyTorchBenchmarkCommand.PyTorchEager)
            .Select(r => (Row: r, Ratio: AgainstPyTorch(rows, r)))
            .Where(x => x.Ratio is not null)
            .Select(x => $"{Short(x.Row.Implementation)} {(x.Row.Mode == "train" ? "training" : "inference")}, batch {x.Row.Batch}: {Format(x.Ratio)}")
            .ToList();

    private static string Short(string implementation) =>
        implementation.StartsWith("TorchSharp", StringComparison.Ordinal) ? "TorchSharp"
        : implementation.StartsWith(PyTorchBenchmarkCommand.OnnxRuntimeInt8, StringComparison.Ordinal) ? "ONNX Runtime int8"
        : implementation.StartsWith("ONNX Runtime", StringComparison.Ordinal) ? "ONNX Runtime fp32" : implementation;
}
