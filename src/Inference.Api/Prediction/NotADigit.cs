namespace CapsNetService.Inference.Api.Prediction;

/// <summary><c>?reject=true</c> on the prediction endpoints: the first image the model does not take for a digit
/// refuses the request.</summary>
public static class NotADigit
{
    /// <exception cref="ApiProblem">An image is not a digit (422, not-a-digit).</exception>
    public static void ThrowIfAny(PredictionOutcome outcome, bool batch)
    {
        foreach (var image in outcome.Images)
        {
            if (image.Prediction.IsDigit) continue;
            throw ApiProblem.NotADigit(ApiProblem.Describe(image.Upload.Index, image.Upload.FileName, batch), image.Prediction.Digit,
                                       image.Prediction.Evidence.CapsuleLength, image.Prediction.Evidence.ReconstructionError);
        }
    }
}
