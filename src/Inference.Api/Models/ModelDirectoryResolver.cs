namespace CapsNetService.Inference.Api.Models;

/// <summary>
/// Where the service looks for its model, the first that applies:
/// <list type="number">
/// <item><c>Inference:ModelDirectory</c> (<c>--model-dir</c>) when set; a relative path is taken from the working
///   directory.</item>
/// <item><c>models/</c> beside the application (<see cref="AppContext.BaseDirectory"/>) when that folder exists: where
///   <c>dotnet publish</c> puts the repository's model files.</item>
/// <item>The repository's <c>models/</c>: the first folder above the working directory (or above the application)
///   that holds <see cref="RepositoryMarker"/>. This is what <c>dotnet run --project src/Inference.Api</c> serves,
///   wherever it is started from.</item>
/// <item>Otherwise <c>models/</c> under the working directory.</item>
/// </list>
/// The folder need not exist yet: the service starts without a model and loads one when it appears.
/// </summary>
public static class ModelDirectoryResolver
{
    public const string DefaultFolderName = "models";
    public const string RepositoryMarker = "CapsNetService.sln";

    public static string Resolve(string? configured, string workingDirectory, string applicationDirectory)
    {
        if (!string.IsNullOrWhiteSpace(configured))
            return Path.GetFullPath(configured.Trim(), workingDirectory);

        var besideApplication = Path.Combine(applicationDirectory, DefaultFolderName);
        if (Directory.Exists(besideApplication)) return Path.GetFullPath(besideApplication);

        if ((FindRepositoryRoot(workingDirectory) ?? FindRepositoryRoot(applicationDirectory)) is { } repository)
            return Path.Combine(repository, DefaultFolderName);

        return Path.GetFullPath(Path.Combine(workingDirectory, DefaultFolderName));
    }

    public static string Resolve(InferenceOptions options) =>
        Resolve(options.ModelDirectory, Directory.GetCurrentDirectory(), AppContext.BaseDirectory);

    private static string? FindRepositoryRoot(string start)
    {
        for (var directory = new DirectoryInfo(Path.GetFullPath(start)); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, RepositoryMarker)))
                return directory.FullName;
        return null;
    }
}
