namespace CapsNetService.Training.Data;

/// <summary>The four MNIST files, by their standard names, with the MD5 of their uncompressed content
/// (compressed bytes differ between mirrors that re-gzip them; the content must not).</summary>
public static class MnistFiles
{
    public sealed record FileSpec(string Name, string ContentMd5);

    public static readonly FileSpec TrainImages = new("train-images-idx3-ubyte", "6bbc9ace898e44ae57da46a324031adb");
    public static readonly FileSpec TrainLabels = new("train-labels-idx1-ubyte", "a25bea736e30d166cdddb491f175f624");
    public static readonly FileSpec TestImages = new("t10k-images-idx3-ubyte", "2646ac647ad5339dbf082846283269ea");
    public static readonly FileSpec TestLabels = new("t10k-labels-idx1-ubyte", "27ae3e4e09519cfbb04c329615203637");

    public static readonly IReadOnlyList<FileSpec> All = [TrainImages, TrainLabels, TestImages, TestLabels];

    /// <summary>Public mirrors, tried in order. Each serves the four files as <c>name.gz</c>.</summary>
    public static readonly IReadOnlyList<string> DefaultMirrors =
    [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "https://yann.lecun.com/exdb/mnist/",
    ];

    /// <summary>The file for <paramref name="spec"/> in <paramref name="directory"/>: the .gz if present, else
    /// the raw file, else null.</summary>
    public static string? Find(string directory, FileSpec spec)
    {
        var gz = Path.Combine(directory, spec.Name + ".gz");
        if (File.Exists(gz)) return gz;
        var raw = Path.Combine(directory, spec.Name);
        return File.Exists(raw) ? raw : null;
    }
}
