using CapsNetService.Common.Imaging;
using CapsNetService.Inference.Api.Inference;
using CapsNetService.Inference.Api.Metrics;
using CapsNetService.Inference.Api.Problems;
using CapsNetService.Inference.Api.Uploads;

namespace CapsNetService.Inference.Api.Prediction;

/// <summary>
/// Uploaded images → the model's answers: each image through the shared <see cref="DigitImagePreprocessor"/> (the
/// only preprocessing there is), then all of them through the model in one call. An image the preprocessor refuses
/// stops the request with its problem (422); nothing is run for the others.
/// </summary>
public sealed class PredictionPipeline(DigitImagePreprocessor preprocessor, InferenceRunner runner, InferenceMetrics metrics)
{
    /// <param name="lease">The model to run on; null: the serving model, taken for this call only.</param>
    /// <exception cref="ModelUnavailableException">No model is loaded.</exception>
    public PredictionOutcome Predict(IReadOnlyList<ImageUpload> uploads, bool batch, ModelLease? lease = null)
    {
        var inputs = new PreprocessedDigit[uploads.Count];
        for (int i = 0; i < uploads.Count; i++)
        {
            try
            {
                inputs[i] = preprocessor.Process(uploads[i].Bytes);
            }
            catch (ImageRejectedException e)
            {
                metrics.RecordRejectedImage(e.Reason switch
                {
                    ImageRejectionReason.Blank => "blank",
                    ImageRejectionReason.TooLarge => "too_large",
                    _ => "not_an_image",
                });
                return PredictionOutcome.Refused(
                    ApiProblems.ImageRejected(ApiProblems.Describe(i, uploads[i].FileName, batch), e));
            }
        }

        var pixels = inputs.Select(input => input.Pixels).ToArray();
        var inference = lease is null ? runner.Run(pixels) : runner.Run(pixels, lease);
        var images = new PredictedImage[uploads.Count];
        for (int i = 0; i < images.Length; i++)
            images[i] = new PredictedImage(uploads[i], inputs[i], inference.Predictions[i]);
        return new PredictionOutcome(images, inference.ModelVersion, inference.Elapsed, null);
    }
}
