namespace CapsNetService.Inference.Api.Prediction;

/// <summary>The predictions for every uploaded image, in order, with the model that made them and the time of the
/// ONNX Runtime call (for a micro-batched image, the gathered call it ran in).</summary>
public sealed record PredictionOutcome(IReadOnlyList<PredictedImage> Images, string ModelVersion, TimeSpan InferenceTime);

/// <summary>An uploaded image, what the preprocessor made of it, and what the model said.</summary>
public sealed record PredictedImage(ImageUpload Upload, PreprocessedDigit Input, DigitPrediction Prediction);
