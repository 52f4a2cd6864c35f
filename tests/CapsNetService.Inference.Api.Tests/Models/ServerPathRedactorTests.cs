
namespace CapsNetService.Inference.Api.Tests.Models;

/// <summary>Absolute paths never reach clients: GET /model shows the training command and reload errors without the
/// folders of the machines involved (found by the hostile corpus's leak check on GET /model).</summary>
public sealed class ServerPathRedactorTests
{
    [Theory]
    [InlineData("capsnet-train train --output /srv/runs/cpu-e30 --seed 42", "capsnet-train train --output …/cpu-e30 --seed 42")]
    [InlineData("--data-dir ../shared/mnist --out runs/a", "--data-dir ../shared/mnist --out runs/a")]
    [InlineData("load failed at /onnxruntime_src/onnxruntime/core/graph/graph.cc:1234 oops", "load failed at …/graph.cc:1234 oops")]
    [InlineData("see https://example.org/docs/page", "see https://example.org/docs/page")]
    [InlineData(@"C:\Users\me\runs\e30 done", @"…\e30 done")]
    [InlineData("/models", "/models")]
    public void Shortens_absolute_paths_only(string text, string expected) =>
        Assert.Equal(expected, ModelApi.RedactServerPaths(text));

    [Fact]
    public async Task GET_model_shows_the_training_command_without_folders()
    {
        using var models = TestModels.CopyToTemporaryDirectory();
        var classifier = ModelVariants.WithMetadata(TestModels.ClassifierBytes, "trainingCommand",
            "capsnet-train train --output /srv/secret/runs/e30 --data-dir /data/mnist");
        ModelVariants.Publish(models.Path, ModelContract.ModelFileName, classifier);
        using var factory = new CapsNetApiFactory(models.Path);
        using var client = factory.CreateClient();

        var model = await client.GetJson("/model");
        Assert.Equal("capsnet-train train --output …/e30 --data-dir …/mnist",
            model.GetProperty("metadata").GetProperty("trainingCommand").GetString());
        Assert.DoesNotContain("/srv/", model.GetRawText());
    }
}
