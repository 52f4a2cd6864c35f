using CapsNetService.Inference.Api.Contracts;
using CapsNetService.Inference.Api.Imaging;
using CapsNetService.Inference.Api.Inference;
using CapsNetService.Inference.Api.OpenApi;
using CapsNetService.Inference.Api.Prediction;
using CapsNetService.Inference.Api.Problems;
using CapsNetService.Inference.Api.Uploads;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CapsNetService.Inference.Api.Endpoints;

/// <summary>
/// POST /predict (one image) and POST /predict/batch (several, one ONNX Runtime call), both multipart/form-data.
/// The form is read by <see cref="ImageUploadReader"/> rather than bound, so that every malformed request gets a
/// problem that says what was wrong; the OpenAPI description of the form comes from <see cref="ImageUploadMetadata"/>.
/// </summary>
public static class PredictionEndpoints
{

    public static IEndpointRouteBuilder MapPredictionApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Prediction").DisableAntiforgery();

        group.MapPost("/predict", Predict)
             .WithName("Predict")
             .WithSummary("Recognise the digit in one PNG or JPEG image.")
             .WithDescription(
                 "Send multipart/form-data with a file field named `image` (a photo or drawing of one digit, any size and "
                 + "colours). The answer holds the digit, the 10 capsule lengths by digit, the 16-D capsules, the "
                 + "reconstruction as a base64 PNG and what preprocessing did. With `?format=png` the reconstruction "
                 + "comes back as image/png instead (headers X-Predicted-Digit, X-Model-Version).")
             .WithMetadata(new ImageUploadMetadata(Multiple: false))
             .Produces<PredictionResponse>(StatusCodes.Status200OK, "application/json", "image/png")
             .ProducesClientProblems()
             .RequiresModel();

        group.MapPost("/predict/batch", PredictBatch)
             .WithName("PredictBatch")
             .WithSummary("Recognise the digits in several images with one model call.")
             .WithDescription(
                 "Send multipart/form-data with the images as file fields named `images` (or `image`, repeated); "
                 + "results come back one per image, in the same order. A refused image fails the whole request, its "
                 + "problem naming the image by position and file name.")
             .WithMetadata(new ImageUploadMetadata(Multiple: true))
             .Produces<BatchPredictionResponse>(StatusCodes.Status200OK)
             .ProducesClientProblems()
             .RequiresModel();

        return app;
    }

    /// <param name="context">The request.</param>
    /// <param name="reader">Reads and checks the upload.</param>
    /// <param name="pipeline">Preprocesses and runs the model.</param>
    /// <param name="format">json (default): the JSON answer; png: only the reconstruction, as image/png.</param>
    public static async Task<Results<Ok<PredictionResponse>, FileContentHttpResult, ProblemHttpResult>> Predict(
        HttpContext context, ImageUploadReader reader, PredictionPipeline pipeline,
        [FromQuery] string? format = null)
    {
        if (!EndpointConventions.TryReadFormat(format, EndpointConventions.ReconstructionPng, out bool asPng, out var badFormat))
            return badFormat;

        var upload = await reader.ReadAsync(context.Request, batch: false, context.RequestAborted);
        if (upload.Problem is { } refused) return refused;

        PredictionOutcome outcome;
        outcome = await pipeline.PredictAsync(upload.Uploads, batch: false, context.RequestAborted);
        if (outcome.Problem is { } rejected) return rejected;

        var image = outcome.Images[0];
        EndpointConventions.SetModelVersionHeader(context, outcome.ModelVersion);
        if (asPng)
        {
            context.Response.Headers[EndpointConventions.PredictedDigitHeader] = image.Prediction.Digit.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.File(GreyscalePng.Encode(image.Prediction.Reconstruction), "image/png");
        }
        return TypedResults.Ok(new PredictionResponse(image, outcome.ModelVersion, outcome.InferenceTime));
    }

    public static async Task<Results<Ok<BatchPredictionResponse>, ProblemHttpResult>> PredictBatch(
        HttpContext context, ImageUploadReader reader, PredictionPipeline pipeline)
    {

        var upload = await reader.ReadAsync(context.Request, batch: true, context.RequestAborted);
        if (upload.Problem is { } refused) return refused;

        PredictionOutcome outcome;
        outcome = pipeline.Predict(upload.Uploads, batch: true);
        if (outcome.Problem is { } rejected) return rejected;

        EndpointConventions.SetModelVersionHeader(context, outcome.ModelVersion);
        return TypedResults.Ok(new BatchPredictionResponse
        {
            ModelVersion = outcome.ModelVersion,
            Count = outcome.Images.Count,
            InferenceMilliseconds = Math.Round(outcome.InferenceTime.TotalMilliseconds, 3),
            Results = outcome.Images.Select(i => new BatchPredictionItem(i, outcome.ModelVersion, outcome.InferenceTime)).ToList(),
        });
    }
}
