
namespace CapsNetService.Inference.Api.Tests.Models;

/// <summary>The model folder rule: configured, else models/ beside a published app, else the repository's models/,
/// else models/ under the working directory.</summary>
public sealed class ModelDirectoryResolverTests : IDisposable
{
    private readonly TemporaryDirectory _root = new();

    private string Make(params string[] parts)
    {
        var path = Path.Combine([_root.Path, .. parts]);
        Directory.CreateDirectory(path);
        return path;
    }

    [Fact]
    public void A_configured_folder_wins_and_is_taken_from_the_working_directory()
    {
        var work = Make("work");
        Make("app", "models");
        Assert.Equal(Path.Combine(work, "custom"), ModelDirectoryResolver.Resolve("custom", work, Path.Combine(_root.Path, "app")));
        Assert.Equal("/srv/models", ModelDirectoryResolver.Resolve("/srv/models", work, work));
    }

    [Fact]
    public void A_publish_serves_models_beside_the_application()
    {
        var app = Make("publish");
        var models = Make("publish", "models");
        Assert.Equal(models, ModelDirectoryResolver.Resolve(null, Make("elsewhere"), app));
    }

    [Fact]
    public void Dotnet_run_serves_the_repository_models_from_anywhere_inside_it()
    {
        var repository = Make("repo");
        File.WriteAllText(Path.Combine(repository, ModelDirectoryResolver.RepositoryMarker), "");
        var project = Make("repo", "src", "Inference.Api");
        var output = Make("repo", "src", "Inference.Api", "bin", "Debug", "net10.0");

        Assert.Equal(Path.Combine(repository, "models"), ModelDirectoryResolver.Resolve("", project, output));
        Assert.Equal(Path.Combine(repository, "models"), ModelDirectoryResolver.Resolve(null, repository, output));
    }

    [Fact]
    public void Otherwise_models_under_the_working_directory()
    {
        var work = Make("plain");
        Assert.Equal(Path.Combine(work, "models"), ModelDirectoryResolver.Resolve(null, work, Make("bin")));
    }

    public void Dispose() => _root.Dispose();
}
