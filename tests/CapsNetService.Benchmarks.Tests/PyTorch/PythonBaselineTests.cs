using CapsNetService.Benchmarks.Measurement;
using CapsNetService.Benchmarks.PyTorch;

namespace CapsNetService.Benchmarks.Tests.PyTorch;

public sealed class PythonBaselineTests
{
    private const string CheckLine =
        """row-result: {"lengthsMaxAbsDiff": 2.3e-10, "reconstructionMaxAbsDiff": 6e-08, "lossAbsDiff": 0.0, "gradients": {"conv1.weight": {"maxAbsDiff": 1e-09, "relNormDiff": 7e-07}, "digitCaps.weights": {"maxAbsDiff": 2e-09, "relNormDiff": 3.5e-07}, "decoder.hidden1.weight": {"maxAbsDiff": 1e-09, "relNormDiff": 7.4e-07}}, "mode": "check", "batch": 100, "torchVersion": "1.13.0a0", "numpyVersion": "1.24.2", "python": "/usr/bin/python3", "threads": 2, "peakResidentMiB": 700.5}""";

    [Fact]
    public void Parse_reads_the_marker_line_among_other_output()
    {
        var result = PythonBaseline.Parse("some warning\n" + """row-result: {"milliseconds": [3.0, 1.0, 2.0], "coresBusy": 1.9, "othersCores": 0.05, "retaken": 1, "meanLoss": 0.8, "mode": "train", "batch": 100, "torchVersion": "1.13.0a0", "numpyVersion": "1.24.2", "python": "/usr/bin/python3", "threads": 2, "peakResidentMiB": null}""" + "\r\n");

        Assert.Equal("train", result.Mode);
        Assert.Equal(2.0, result.Samples.Median);
        Assert.Equal(2, result.Threads);
        Assert.Equal("1.13.0a0", result.TorchVersion);
        Assert.Null(result.PeakResidentMiB);
        Assert.Equal(1, result.Retaken);
    }

    [Fact]
    public void Parse_without_a_marker_line_says_so()
    {
        var error = Assert.Throws<FormatException>(() => PythonBaseline.Parse("Traceback (most recent call last):\n  ...\n"));
        Assert.Contains("row-result", error.Message);
    }

    [Fact]
    public void A_check_within_the_tolerances_agrees_and_names_the_worst_gradient()
    {
        var verdict = SameFunction.Judge(PythonBaseline.Parse(CheckLine));

        Assert.True(verdict.Agrees, verdict.Reason);
        Assert.Equal("decoder.hidden1.weight", verdict.WorstParameter);
        Assert.Equal(7.4e-7, verdict.WorstGradientRelDiff);
        Assert.Contains("| yes |", verdict.Table().ToString());
    }

    [Theory]
    [InlineData("\"lengthsMaxAbsDiff\": 2.3e-10", "\"lengthsMaxAbsDiff\": 6e-04", "lengths")]
    [InlineData("\"lossAbsDiff\": 0.0", "\"lossAbsDiff\": \"NaN\"", "losses")]
    [InlineData("\"relNormDiff\": 3.5e-07", "\"relNormDiff\": 1.0", "digitCaps.weights")]
    [InlineData("\"conv1.weight\": {\"maxAbsDiff\": 1e-09, \"relNormDiff\": 7e-07}, ", "", "conv1.weight")]
    public void A_check_outside_the_tolerances_or_missing_a_figure_fails_with_the_reason(string from, string to, string named)
    {
        var verdict = SameFunction.Judge(PythonBaseline.Parse(CheckLine.Replace(from, to)));

        Assert.False(verdict.Agrees);
        Assert.Contains(named, verdict.Reason);
        Assert.Contains("**NO**", verdict.Table().ToString());
    }

    [Fact]
    public void Ratios_are_PyTorchs_median_over_each_rows_for_the_same_mode_and_batch()
    {
        PyTorchBenchmarkCommand.Row Row(string who, string mode, int batch, params double[] ms) => new(who, mode, batch, new Samples(ms), 2, 0, 0, null);
        var rows = new List<PyTorchBenchmarkCommand.Row>
        {
            Row(PyTorchBenchmarkCommand.PyTorchEager, "train", 100, 900, 1000, 1100),
            Row(PyTorchBenchmarkCommand.TorchSharpTrainer, "train", 100, 400, 500),
            Row(PyTorchBenchmarkCommand.PyTorchEager, "forward", 8, 40),
            Row(PyTorchBenchmarkCommand.OnnxRuntime, "forward", 8, 10),
            Row(PyTorchBenchmarkCommand.OnnxRuntime, "forward", 64, 10),
            Row(PyTorchBenchmarkCommand.OnnxRuntimeInt8, "forward", 8, 5),
        };

        Assert.Equal(1000 / 450.0, Ratios.AgainstPyTorch(rows, rows[1]));
        Assert.Equal(4.0, Ratios.AgainstPyTorch(rows, rows[3]));
        Assert.Null(Ratios.AgainstPyTorch(rows, rows[4]));
        Assert.Equal("–", Ratios.Format(null));
        Assert.Equal(["TorchSharp training, batch 100: 2.22×", "ONNX Runtime fp32 inference, batch 8: 4.00×",
                      "ONNX Runtime int8 inference, batch 8: 8.00×"], Ratios.Summary(rows));
    }
}
