using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;

namespace CapsNetService.Inference.Api.Prediction;

/// <summary>
/// POST /predict (one image) and POST /predict/batch (several, one ONNX Runtime call), both multipart/form-data.
/// The form is read by <see cref="ImageUploadReader"/> rather than bound, so that every malformed request gets a
/// problem that says what was wrong; the OpenAPI description of the form comes from <see cref="ImageUploadOperationFilter.Metadata"/>.
/// </summary>
public static class PredictionApi
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
                 + "comes back as image/png instead (headers X-Predicted-Digit, X-Model-Version). `isDigit` says whether "
                 + "the model's calibrated thresholds on the capsule length and the reconstruction error take the image "
                 + "for a digit at all; with `?reject=true` an image that is not one is refused (422, code not-a-digit). "
                 + "With `?images=false` the answer leaves out `reconstruction` and `modelInput` (the two PNGs), which "
                 + "saves their encoding and most of the answer's bytes.")
             .WithMetadata(new ImageUploadOperationFilter.Metadata(Multiple: false))
             .Produces<PredictionResponse>(StatusCodes.Status200OK, "application/json", "image/png")
             .ProducesClientProblems()
             .RequiresModel();

        group.MapPost("/predict/batch", PredictBatch)
             .WithName("PredictBatch")
             .WithSummary("Recognise the digits in several images with one model call.")
             .WithDescription(
                 "Send multipart/form-data with the images as file fields named `images` (or `image`, repeated); "
                 + "results come back one per image, in the same order. A refused image fails the whole request, its "
                 + "problem naming the image by position and file name; with `?reject=true`, so does an image that is "
                 + "not a digit (422, code not-a-digit). With `?images=false` each result leaves out `reconstruction` "
                 + "and `modelInput`.")
             .WithMetadata(new ImageUploadOperationFilter.Metadata(Multiple: true))
             .Produces<BatchPredictionResponse>(StatusCodes.Status200OK)
             .ProducesClientProblems()
             .RequiresModel();

        return app;
    }

    /// <param name="context">The request.</param>
    /// <param name="reader">Reads and checks the upload.</param>
    /// <param name="pipeline">Preprocesses and runs the model.</param>
    /// <param name="format">json (default): the JSON answer; png: only the reconstruction, as image/png.</param>
    /// <param name="reject">true: an image the model does not take for a digit is refused with a 422 problem
    /// (code not-a-digit) instead of answered with its best guess.</param>
    /// <param name="images">false: the JSON answer leaves out <c>reconstruction</c> and <c>modelInput</c> (the two
    /// base64 PNGs), for clients that only want the digit and the capsules; default true.</param>
    public static async Task<Results<Ok<PredictionResponse>, FileContentHttpResult>> Predict(
        HttpContext context, ImageUploadReader reader, PredictionPipeline pipeline,
        [FromQuery] string? format = null, [FromQuery] bool reject = false, [FromQuery] bool images = true)
    {
        long started = Stopwatch.GetTimestamp();
        bool asPng = ApiConventions.WantsPng(format, ApiConventions.ReconstructionPng);
        var uploads = await reader.ReadAsync(context.Request, batch: false);
        PredictionStages.Record(PredictionStages.Stage.Read, started);
        var outcome = await pipeline.PredictAsync(uploads, batch: false, context.RequestAborted);
        if (reject) NotADigit.ThrowIfAny(outcome, batch: false);

        long answered = Stopwatch.GetTimestamp();
        var image = outcome.Images[0];
        ApiConventions.SetModelVersionHeader(context, outcome.ModelVersion);
        Results<Ok<PredictionResponse>, FileContentHttpResult> result;
        if (asPng)
        {
            context.Response.Headers[ApiConventions.PredictedDigitHeader] = image.Prediction.Digit.ToString(CultureInfo.InvariantCulture);
            result = TypedResults.File(GreyscalePng.Encode(image.Prediction.Reconstruction), "image/png");
        }
        else
        {
            result = TypedResults.Ok(new PredictionResponse(image, outcome.ModelVersion, outcome.InferenceTime, images));
        }
        long built = PredictionStages.Record(PredictionStages.Stage.Respond, answered);
        context.Response.OnCompleted(static state =>
        {
            PredictionStages.Record(PredictionStages.Stage.Write, (long)state);
            return Task.CompletedTask;
        }, built);
        return result;
    }

    /// <param name="reject">true: the batch is refused (422, code not-a-digit) when one of its images is not taken for a digit.</param>
    /// <param name="images">false: each result leaves out <c>reconstruction</c> and <c>modelInput</c>; default true.</param>
    public static async Task<Ok<BatchPredictionResponse>> PredictBatch(
        HttpContext context, ImageUploadReader reader, PredictionPipeline pipeline, [FromQuery] bool reject = false,
        [FromQuery] bool images = true)
    {
        var uploads = await reader.ReadAsync(context.Request, batch: true);
        var outcome = pipeline.Predict(uploads, batch: true, cancellationToken: context.RequestAborted);
        if (reject) NotADigit.ThrowIfAny(outcome, batch: true);

        ApiConventions.SetModelVersionHeader(context, outcome.ModelVersion);
        return TypedResults.Ok(new BatchPredictionResponse
        {
            ModelVersion = outcome.ModelVersion,
            Count = outcome.Images.Count,
            InferenceMilliseconds = Math.Round(outcome.InferenceTime.TotalMilliseconds, 3),
            Results = outcome.Images.Select(i => new BatchPredictionItem(i, outcome.ModelVersion, outcome.InferenceTime, images)).ToList(),
        });
    }
}

/// <summary>The model's answer for one image.</summary>
public class PredictionResponse
{
    /// <param name="withImages">false: <see cref="Reconstruction"/> and <see cref="ModelInput"/> are left out (null,
    /// not serialised), and their PNGs are never encoded.</param>
    public PredictionResponse(PredictedImage image, string modelVersion, TimeSpan inferenceTime, bool withImages = true)
    {
        var prediction = image.Prediction;
        Digit = prediction.Digit;
        Probabilities = prediction.Probabilities;
        IsDigit = prediction.IsDigit;
        Confidence = prediction.Evidence.CapsuleLength;
        ReconstructionError = prediction.Evidence.ReconstructionError;
        Capsules = new float[ModelContract.Classes][];
        for (int digit = 0; digit < Capsules.Length; digit++)
            Capsules[digit] = prediction.Capsules.AsSpan(digit * ModelContract.CapsuleDims, ModelContract.CapsuleDims).ToArray();
        if (withImages)
        {
            Reconstruction = GreyscalePng.EncodeBase64(prediction.Reconstruction);
            ModelInput = GreyscalePng.EncodeBase64(image.Input.Pixels);
        }
        ModelVersion = modelVersion;
        InferenceMilliseconds = Math.Round(inferenceTime.TotalMilliseconds, 3);
        Preprocessing = new PreprocessingInfo
        {
            Inverted = image.Input.Inverted,
            PassedThrough = image.Input.PassedThrough,
            OriginalWidth = image.Input.OriginalWidth,
            OriginalHeight = image.Input.OriginalHeight,
        };
    }

    /// <summary>The predicted digit: the one whose capsule is longest.</summary>
    /// <example>7</example>
    public int Digit { get; }

    /// <summary>
    /// Whether the model takes the image for a digit at all: its longest capsule is long enough and its reconstruction
    /// close enough to the input, by the thresholds calibrated into the model (GET /model shows them and their measured
    /// rates). Always true on an uncalibrated model. <see cref="Digit"/> is filled either way: the best guess.
    /// </summary>
    /// <example>true</example>
    public bool IsDigit { get; }

    /// <summary>The winning capsule's length, in [0, 1]: how sure the model is that its digit is present.</summary>
    /// <example>0.987</example>
    public double Confidence { get; }

    /// <summary>Mean squared error between the model input and the reconstruction, both in [0, 1]: large when the
    /// decoder cannot redraw the image as the digit it was taken for.</summary>
    /// <example>0.0123</example>
    public double ReconstructionError { get; }

    /// <summary>
    /// The length of each digit capsule, indexed by digit (probabilities[3] is for 3). Each is in [0, 1]; being
    /// capsule lengths and not a softmax, they need not sum to 1.
    /// </summary>
    /// <example>[0.012, 0.020, 0.031, 0.018, 0.009, 0.011, 0.004, 0.987, 0.022, 0.041]</example>
    public float[] Probabilities { get; }

    /// <summary>The 10 digit capsules, indexed by digit, each a 16-dimensional vector (its length is the probability).</summary>
    /// <example>[[0.001, -0.002, 0.0, 0.003, 0.0, -0.001, 0.002, 0.0, 0.001, 0.0, -0.001, 0.002, 0.0, 0.001, 0.0, 0.001]]</example>
    public float[][] Capsules { get; }

    /// <summary>The decoder's redrawing of the digit from its capsule: a 28×28 greyscale PNG, base64-encoded
    /// (absent with <c>?images=false</c>).</summary>
    /// <example>iVBORw0KGgoAAAANSUhEUgAAABwAAAAcCAAAAABXZoBIAAAAFklEQVR42mNgGHrg////o7IjVnbgAACeyjLOT5E9LAAAAABJRU5ErkJggg==</example>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reconstruction { get; }

    /// <summary>What the model was given: the upload after preprocessing, a 28×28 greyscale PNG, base64-encoded
    /// (absent with <c>?images=false</c>).</summary>
    /// <example>iVBORw0KGgoAAAANSUhEUgAAABwAAAAcCAAAAABXZoBIAAAAFklEQVR42mNgGHrg////o7IjVnbgAACeyjLOT5E9LAAAAABJRU5ErkJggg==</example>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ModelInput { get; }

    /// <summary>The version of the model that answered (from its metadata).</summary>
    /// <example>20261128-e30-6c2398ec</example>
    public string ModelVersion { get; }

    /// <summary>
    /// Time of the ONNX Runtime call that computed this answer, in milliseconds (in a batch: the one call for
    /// the whole batch).
    /// </summary>
    /// <example>12.4</example>
    public double InferenceMilliseconds { get; }

    /// <summary>What the preprocessing did.</summary>
    public PreprocessingInfo Preprocessing { get; }
}

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

/// <summary>The answer for one image of a batch.</summary>
public sealed class BatchPredictionItem(PredictedImage image, string modelVersion, TimeSpan inferenceTime, bool withImages = true)
    : PredictionResponse(image, modelVersion, inferenceTime, withImages)
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

/// <summary>What the preprocessing did to the upload before the model saw it.</summary>
public sealed class PreprocessingInfo
{
    /// <summary>True when the digit was darker than its background (ink on paper) and was turned into a light digit on black.</summary>
    /// <example>true</example>
    public required bool Inverted { get; init; }

    /// <summary>True when the upload already was a 28×28 MNIST-style image and was used unchanged (no crop, no scaling).</summary>
    /// <example>false</example>
    public required bool PassedThrough { get; init; }

    /// <summary>Width of the uploaded image, in pixels.</summary>
    /// <example>280</example>
    public required int OriginalWidth { get; init; }

    /// <summary>Height of the uploaded image, in pixels.</summary>
    /// <example>280</example>
    public required int OriginalHeight { get; init; }
}
