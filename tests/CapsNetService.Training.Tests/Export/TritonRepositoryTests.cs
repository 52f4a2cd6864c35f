using CapsNetService.Common;
using CapsNetService.Tests;
using CapsNetService.Training.Export;
using Microsoft.ML.OnnxRuntime;

namespace CapsNetService.Training.Tests.Export;

/// <summary><c>--triton-repository</c>: a Triton model repository holding the exported classifier, its
/// config.pbtxt declaring exactly the graph's tensors (checked under ONNX Runtime) and the committed
/// deploy/triton/capsnet/config.pbtxt.</summary>
public sealed class TritonRepositoryTests : IDisposable
{
    private readonly string repository = Directory.CreateTempSubdirectory("capsnet-triton-").FullName;

    public void Dispose() => Directory.Delete(repository, recursive: true);

    private static string Models => Path.Combine(RepositoryPaths.Root, "models");

    [Fact]
    public void Writes_the_model_and_a_config_that_declares_its_tensors()
    {
        var model = TritonRepository.Write(repository, Models);

        Assert.Equal(Path.Combine(repository, "capsnet"), model);
        var onnx = Path.Combine(model, "1", "model.onnx");
        Assert.Equal(File.ReadAllBytes(Path.Combine(Models, ModelContract.ModelFileName)), File.ReadAllBytes(onnx));
        var config = File.ReadAllText(Path.Combine(model, "config.pbtxt"));
        Assert.Equal(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "triton", "capsnet", "config.pbtxt")), config);
        Assert.Empty(Directory.GetFiles(repository, "*.tmp", SearchOption.AllDirectories));

        // What the config declares (each tensor with its dims after the batch) is what the graph has.
        var declared = Tensors(config);
        using var session = new InferenceSession(onnx);
        var graph = session.InputMetadata.Concat(session.OutputMetadata).ToDictionary(
            t => t.Key, t => t.Value.Dimensions.Skip(1).Select(d => (long)d).ToArray());
        Assert.Equal(graph.Keys.Order(), declared.Keys.Order());
        foreach (var (name, dims) in declared) Assert.Equal(graph[name], dims);
        Assert.All(session.InputMetadata.Values.Concat(session.OutputMetadata.Values), t => Assert.Equal(typeof(float), t.ElementType));
        Assert.Contains("max_batch_size: 64", config);
        Assert.Contains("dynamic_batching", config);
    }

    [Fact]
    public void Rewriting_replaces_the_model_in_place()
    {
        TritonRepository.Write(repository, Models);
        File.WriteAllText(Path.Combine(repository, "capsnet", "1", "model.onnx"), "stale");
        TritonRepository.Write(repository, Models);
        Assert.Equal(new FileInfo(Path.Combine(Models, ModelContract.ModelFileName)).Length,
                     new FileInfo(Path.Combine(repository, "capsnet", "1", "model.onnx")).Length);
    }

    [Fact]
    public void A_folder_without_a_model_fails_clearly()
    {
        var error = Assert.Throws<IOException>(() => TritonRepository.Write(repository, Path.Combine(repository, "no-models")));
        Assert.Contains("Triton model repository", error.Message);
    }

    /// <summary>name → dims of each input and output block of a config.pbtxt.</summary>
    private static Dictionary<string, long[]> Tensors(string config)
    {
        var tensors = new Dictionary<string, long[]>();
        string? name = null;
        foreach (var line in config.Split('\n').Select(l => l.Trim()))
        {
            if (line.StartsWith("name: ", StringComparison.Ordinal) && line.Contains("\"")) name = line.Split('"')[1];
            if (line.StartsWith("dims: ", StringComparison.Ordinal) && name is not null)
                tensors[name] = line[(line.IndexOf('[') + 1)..line.IndexOf(']')].Split(',').Select(d => long.Parse(d.Trim())).ToArray();
        }
        tensors.Remove("capsnet");
        return tensors;
    }
}
