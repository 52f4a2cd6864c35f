using System.Text.Json.Serialization;
using CapsNetService.Inference.Api.Prediction;

namespace CapsNetService.Inference.Api.Contracts;

/// <summary>The answer for one image of a batch.</summary>
public sealed class BatchPredictionItem(PredictedImage image, string modelVersion, TimeSpan inferenceTime)
    : PredictionResponse(image, modelVersion, inferenceTime)
{
    /// <summary>The image's position in the request, from 0.</summary>
    /// <example>0</example>
    [JsonPropertyOrder(-2)]
    public int Index { get; } = image.Upload.Index;

    /// <summary>The file name the client gave the image (may be empty).</summary>
    /// <example>seven.png</example>
    [JsonPropertyOrder(-1)]
    public string FileName { get; } = image.Upload.FileName;
}
