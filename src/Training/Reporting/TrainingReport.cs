using CapsNetService.Training.Run;
using CapsNetService.Training.IO;
using CapsNetService.Training.TwoDigits;

namespace CapsNetService.Training.Reporting;

/// <summary>
/// What the training loop calls at the end of every epoch: rewrites, in the run folder, metrics.csv and metrics.json,
/// loss.png and accuracy.png, reconstructions.png and report.html. Each file is replaced atomically, so a browser or a
/// script reading the folder mid-run never sees half a file; the page is written last, so it only links pictures
/// that exist.
/// </summary>
public static class TrainingReport
{
    /// <param name="sample">Test digits with their reconstructions; null (or empty) leaves the grid out.</param>
    /// <param name="pairSample">A MultiMNIST run's validation pairs with the CapsNet's two reconstructions (the paper's
    /// Figure 5); null, or without reconstructions (the CNN), leaves that grid out.</param>
    public static void Write(
        string runDirectory,
        RunDescription run,
        IReadOnlyList<EpochMetrics> history,
        ConfusionMatrix confusion,
        ReconstructionSample? sample,
        PairSample? pairSample = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runDirectory);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(confusion);

        Directory.CreateDirectory(runDirectory);
        MetricsWriter.Write(runDirectory, history, confusion, run);
        TrainingPlots.Write(runDirectory, history);

        bool hasGrid = sample is { Count: > 0 };
        if (hasGrid) ReconstructionGrid.Write(runDirectory, sample!);

        bool hasPairGrid = pairSample is { Count: > 0, HasReconstructions: true };
        if (hasPairGrid) PairReconstructionGrid.Write(runDirectory, pairSample!);

        string html = HtmlReport.Render(
            run, history, confusion, hasGrid ? sample : null, ReportFonts.Sans is not null, DateTimeOffset.Now,
            hasPairGrid ? pairSample : null);
        AtomicFile.WriteAllText(Path.Combine(runDirectory, HtmlReport.FileName), html);
    }
}
