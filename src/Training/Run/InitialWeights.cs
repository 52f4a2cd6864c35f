using CapsNetService.Training.Checkpoints;
using CapsNetService.Training.Export;
using CapsNetService.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.Run;

/// <summary>Where a run's starting weights came from when they were not random: a published ONNX model or a
/// checkpoint, and how many epochs it had been trained for (the run's epoch count and learning-rate schedule go on
/// from there).</summary>
/// <param name="ModelVersion">The published model's version; null for a checkpoint.</param>
public sealed record InitialWeights(string Path, string Sha256, int Epochs, string? ModelVersion)
{
    /// <summary>One phrase for reports and metadata: the model version, or the checkpoint's file hash.</summary>
    public string Describe() =>
        (ModelVersion is { } version ? $"model {version}" : $"checkpoint sha256:{Sha256[..12]}") + $" ({Epochs} epochs)";

    /// <summary>Reads <paramref name="path"/>, a checkpoint (zip) or a published <c>capsnet.onnx</c>, into a new model.</summary>
    public static (CapsNet Model, InitialWeights Source) Load(string path, CapsNetArchitecture architecture,
                                                              ConvolutionPrecision precision, Device device)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath)) throw new CheckpointException($"--init-from: no such file: {fullPath}");
        var sha256 = Checkpoint.Sha256(fullPath);
        if (IsZip(fullPath))
        {
            var (loaded, metadata) = Checkpoint.LoadModel(fullPath, device);
            using (loaded)
            {
                if (metadata.Dataset != architecture.Dataset())
                    throw new CheckpointException($"{fullPath} holds a {Name(metadata.Dataset)} CapsNet; this run trains on {Name(architecture.Dataset())}");
                if (!SameWeights(metadata.Architecture, architecture))
                    throw new CheckpointException($"{fullPath} holds a CapsNet of another shape ({metadata.Architecture})");
                var model = new CapsNet(architecture, precision).to(device);
                model.load_state_dict(loaded.state_dict());
                return (model, new InitialWeights(fullPath, sha256, metadata.Epoch, null));
            }
        }
        var (imported, published) = OnnxWeightImport.Load(fullPath, architecture, precision);
        return (imported.to(device), new InitialWeights(fullPath, sha256, published.Epochs, published.ModelVersion));
    }

    /// <summary>Reads <paramref name="path"/> into a new network of the run's kind: a checkpoint of the same dataset and
    /// model, or (CapsNet only) a published ONNX model of the same shape. Any other kind is refused by name.</summary>
    public static (nn.Module Model, InitialWeights Source) LoadNetwork(string path, TrainOptions options, Device device)
    {
        if (options.Model == ModelChoice.CapsNet && options.Dataset == TrainingDataset.Mnist)
            return Load(path, options.Architecture, options.Precision, device);
        var fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath)) throw new CheckpointException($"--init-from: no such file: {fullPath}");
        if (!IsZip(fullPath))
        {
            if (options.Model != ModelChoice.CapsNet)
                throw new CheckpointException($"--init-from: {fullPath} is not a checkpoint; a {Name(options.Model)} starts only from a checkpoint of its own kind");
            return Load(path, options.Architecture, options.Precision, device);
        }
        var metadata = Checkpoint.ReadMetadata(fullPath);
        if (metadata.Dataset != options.Dataset || metadata.Model != options.Model)
            throw new CheckpointException($"--init-from: {fullPath} holds a {Name(metadata.Dataset)} {Name(metadata.Model)}; "
                                          + $"this run trains a {Name(options.Dataset)} {Name(options.Model)}");
        // A CapsNet goes through Load, which may change the routing iterations; a CNN's weights load as they are.
        if (options.Model == ModelChoice.CapsNet) return Load(path, options.Architecture, options.Precision, device);
        var (model, _) = Checkpoint.LoadNetwork(fullPath, device, options.Precision);
        return (model, new InitialWeights(fullPath, Checkpoint.Sha256(fullPath), metadata.Epoch, null));
    }

    private static string Name(Enum kind) => kind.ToString().ToLowerInvariant();

    /// <summary>The routing iterations shape no weight: a model may be trained on with another count.</summary>
    private static bool SameWeights(CapsNetArchitecture a, CapsNetArchitecture b) =>
        a with { RoutingIterations = 0 } == b with { RoutingIterations = 0 };

    private static bool IsZip(string path)
    {
        Span<byte> magic = stackalloc byte[2];
        using var file = File.OpenRead(path);
        return file.Read(magic) == 2 && magic[0] == (byte)'P' && magic[1] == (byte)'K';
    }
}
