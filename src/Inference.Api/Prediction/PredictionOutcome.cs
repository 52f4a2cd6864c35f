using Microsoft.AspNetCore.Http.HttpResults;

namespace CapsNetService.Inference.Api.Prediction;

/// <summary>The predictions for every uploaded image, in order, or the problem with the first image that failed.</summary>
public sealed record PredictionOutcome(
    IReadOnlyList<PredictedImage> Images, string ModelVersion, TimeSpan InferenceTime, ProblemHttpResult? Problem)
{
    public static PredictionOutcome Refused(ProblemHttpResult problem) => new([], "", TimeSpan.Zero, problem);
}
