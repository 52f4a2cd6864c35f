using CapsNetService.Common.Imaging;
using CapsNetService.Inference.Api.Inference;
using CapsNetService.Inference.Api.Uploads;

namespace CapsNetService.Inference.Api.Prediction;

/// <summary>An uploaded image, what the preprocessor made of it, and what the model said.</summary>
public sealed record PredictedImage(ImageUpload Upload, PreprocessedDigit Input, DigitPrediction Prediction);
