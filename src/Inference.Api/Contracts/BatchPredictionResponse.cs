namespace CapsNetService.Inference.Api.Contracts;

/// <summary>The answers for a batch: one result per image, in the order the images came.</summary>
public sealed class BatchPredictionResponse
{
    /// <summary>The version of the model that answered.</summary>
    /// <example>20261128-e30-6c2398ec</example>
    public required string ModelVersion { get; init; }

    /// <summary>Number of images (and of results).</summary>
    /// <example>2</example>
    public required int Count { get; init; }

    /// <summary>Time of the single ONNX Runtime call that ran the whole batch, in milliseconds.</summary>
    /// <example>21.7</example>
    public required double InferenceMilliseconds { get; init; }

    /// <summary>One result per image, in request order.</summary>
    public required IReadOnlyList<BatchPredictionItem> Results { get; init; }
}
