using System.Text;
using CapsNetService.Common;

namespace CapsNetService.Training.Export;

/// <summary>
/// Writes a Triton Inference Server model repository holding the classifier graph, so that the same file can be
/// served by Triton (or by any server reading Triton repositories) under the Open Inference Protocol, with the
/// tensors, batch limit and dynamic batching the service uses:
/// <code>
/// DIR/capsnet/config.pbtxt
/// DIR/capsnet/1/model.onnx
/// </code>
/// The decoder graph stays with the service (the capsule explorer); Triton gets the classifier only.
/// </summary>
public static class TritonRepository
{
    public const string ModelName = "capsnet";
    public const string Version = "1";

    /// <summary>The service's batch limit per request (Uploads:MaxBatchImages' default).</summary>
    public const int MaxBatchSize = 64;

    /// <summary>How long the dynamic batcher waits for company, as the service's micro-batcher
    /// (Inference:Batching:MaxDelayMilliseconds' default, 2 ms).</summary>
    public const int MaxQueueDelayMicroseconds = 2000;

    /// <summary>The configuration Triton reads; dims leave out the batch dimension, which max_batch_size adds.</summary>
    public static string Config() => $$"""
        # Written by capsnet-train export --triton-repository; the tensors are src/Common/ModelContract.cs.
        name: "{{ModelName}}"
        platform: "onnxruntime_onnx"
        max_batch_size: {{MaxBatchSize}}
        input [
          {
            name: "{{ModelContract.ImageInput}}"
            data_type: TYPE_FP32
            dims: [ 1, {{ModelContract.ImageSide}}, {{ModelContract.ImageSide}} ]
          }
        ]
        output [
          {
            name: "{{ModelContract.ProbabilitiesOutput}}"
            data_type: TYPE_FP32
            dims: [ {{ModelContract.Classes}} ]
          },
          {
            name: "{{ModelContract.CapsulesOutput}}"
            data_type: TYPE_FP32
            dims: [ {{ModelContract.Classes}}, {{ModelContract.CapsuleDims}} ]
          },
          {
            name: "{{ModelContract.ReconstructionOutput}}"
            data_type: TYPE_FP32
            dims: [ 1, {{ModelContract.ImageSide}}, {{ModelContract.ImageSide}} ]
          }
        ]
        dynamic_batching {
          max_queue_delay_microseconds: {{MaxQueueDelayMicroseconds}}
        }

        """;

    /// <summary>Copies <paramref name="modelsFolder"/>'s classifier into the repository at
    /// <paramref name="repository"/> and writes its configuration, each file under a temporary name renamed into
    /// place (Triton may be polling the repository).</summary>
    /// <returns>The model's folder in the repository.</returns>
    /// <exception cref="IOException">The model cannot be read or the repository cannot be written.</exception>
    public static string Write(string repository, string modelsFolder)
    {
        var source = Path.Combine(modelsFolder, ModelContract.ModelFileName);
        var model = Path.Combine(repository, ModelName);
        try
        {
            Directory.CreateDirectory(Path.Combine(model, Version));
            Replace(Path.Combine(model, Version, "model.onnx"), File.ReadAllBytes(source));
            Replace(Path.Combine(model, "config.pbtxt"), Encoding.UTF8.GetBytes(Config()));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write the Triton model repository {repository}: {e.Message}", e);
        }
        return model;
    }

    private static void Replace(string path, byte[] bytes)
    {
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
