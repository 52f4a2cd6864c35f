namespace CapsNetService.Inference.Api.Inference;

/// <summary>One request's answer from a gathered call of <see cref="MicroBatcher"/>.</summary>
/// <param name="Prediction">This request's slice of the outputs.</param>
/// <param name="ModelVersion">The model the whole call ran on.</param>
/// <param name="Elapsed">The duration of the one ONNX Runtime call (shared by every request in it).</param>
/// <param name="ImagesInCall">How many requests' images the call held.</param>
public sealed record BatchedPrediction(DigitPrediction Prediction, string ModelVersion, TimeSpan Elapsed, int ImagesInCall);
