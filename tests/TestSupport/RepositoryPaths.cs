namespace CapsNetService.Tests;

/// <summary>Where the tests find the repository and the real MNIST files (../shared/mnist beside the clone,
/// or the folder named by CAPSNET_MNIST_DIR).</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string MnistDirectory { get; } =
        Environment.GetEnvironmentVariable("CAPSNET_MNIST_DIR") is { Length: > 0 } named
            ? Path.GetFullPath(named)
            : Path.GetFullPath(Path.Combine(Root, "..", "shared", "mnist"));

    public static string MnistFile(string name)
    {
        var path = Path.Combine(MnistDirectory, name);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"Real MNIST file {name} not found in {MnistDirectory}; set CAPSNET_MNIST_DIR to a folder holding the four .gz files", path);
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CapsNetService.sln")))
                return dir.FullName;
        throw new InvalidOperationException("CapsNetService.sln not found above " + AppContext.BaseDirectory);
    }
}
