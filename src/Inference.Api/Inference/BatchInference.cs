namespace CapsNetService.Inference.Api.Inference;

/// <summary>The predictions for a batch, in input order, with the model that made them and the time of the call.</summary>
public sealed record BatchInference(string ModelVersion, TimeSpan Elapsed, IReadOnlyList<DigitPrediction> Predictions);
