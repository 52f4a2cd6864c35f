namespace CapsNetService.Benchmarks.Measurement;

/// <summary>The clone the harness runs from: the first folder above the working directory or the harness itself that
/// holds CapsNetService.sln. Default paths (the shipped model, the built service) are taken from there.</summary>
public static class RepositoryRoot
{
    public static string Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "CapsNetService.sln"))) return dir.FullName;
        throw new InvalidOperationException(
            "CapsNetService.sln not found above the working directory or the harness; run from the clone or give the paths explicitly");
    }

    public static string Path(params string[] parts) => System.IO.Path.Combine([Find(), .. parts]);
}
