using CapsNetService.Common.Mnist;

namespace CapsNetService.Training.Data;

/// <summary>Loads MNIST's training and test sets from a folder, downloading what is missing.</summary>
public static class MnistDataSource
{
    public static async Task<(MnistSet Train, MnistSet Test)> LoadAsync(
        string directory, bool download, IReadOnlyList<string> mirrors, Action<string>? log = null,
        CancellationToken cancellationToken = default)
    {
        var missing = MnistFiles.All.Where(f => MnistFiles.Find(directory, f) is null).ToList();
        if (missing.Count > 0)
        {
            if (!download)
                throw new MnistUnavailableException(
                    $"{Path.GetFullPath(directory)} lacks {string.Join(", ", missing.Select(f => f.Name + "(.gz)"))}; "
                    + "downloading is turned off (--no-download).");
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
            await new MnistDownloader(http, mirrors, log).DownloadMissingAsync(directory, cancellationToken);
        }
        var train = MnistIdxReader.ReadSet(MnistFiles.Find(directory, MnistFiles.TrainImages)!,
                                           MnistFiles.Find(directory, MnistFiles.TrainLabels)!);
        var test = MnistIdxReader.ReadSet(MnistFiles.Find(directory, MnistFiles.TestImages)!,
                                          MnistFiles.Find(directory, MnistFiles.TestLabels)!);
        return (train, test);
    }

    /// <summary>The training and test sets when the folder holds all four files (nothing is downloaded); null otherwise.</summary>
    public static (MnistSet Train, MnistSet Test)? BothIfPresent(string directory) =>
        MnistFiles.All.All(f => MnistFiles.Find(directory, f) is not null)
            ? (MnistIdxReader.ReadSet(MnistFiles.Find(directory, MnistFiles.TrainImages)!, MnistFiles.Find(directory, MnistFiles.TrainLabels)!),
               MnistIdxReader.ReadSet(MnistFiles.Find(directory, MnistFiles.TestImages)!, MnistFiles.Find(directory, MnistFiles.TestLabels)!))
            : null;

    /// <summary>The test set when the folder holds its two files (nothing is downloaded); null otherwise.</summary>
    public static MnistSet? TestSetIfPresent(string directory) =>
        MnistFiles.Find(directory, MnistFiles.TestImages) is { } images && MnistFiles.Find(directory, MnistFiles.TestLabels) is { } labels
            ? MnistIdxReader.ReadSet(images, labels)
            : null;
}
