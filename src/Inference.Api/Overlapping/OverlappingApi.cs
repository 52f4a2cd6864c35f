using System.Runtime.InteropServices;
using SkiaSharp;

namespace CapsNetService.Inference.Api.Overlapping;

/// <summary>
/// POST /predict/overlapping: one image showing two overlapping digits, recognised by the MultiMNIST model
/// (Sabour et al. 2017, Section 6) and taken apart: the two longest capsules are the two digits, and the decoder redraws
/// each from its own capsule alone (all others zeroed), as the paper's Figure 5 shows them. The upload is read and
/// refused as for POST /predict (the same reader, limits, pixel budget and problems), preprocessed into the 36×36
/// MultiMNIST frame (<see cref="DigitFrame.MultiMnist"/>), and run as one classifier call and one decoder call of two
/// capsule sets on the leased overlapping-digits model. Without that model the endpoint answers 503
/// (code overlapping-model-unavailable); the rest of the service is unaffected.
/// </summary>
public static class OverlappingApi
{
    public const string Route = "/predict/overlapping";

    /// <summary>How bright the input shows under the two coloured reconstructions of the overlay.</summary>
    private const float InputGrey = 0.45f;

    public static IEndpointRouteBuilder MapOverlappingApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(Route, PredictOverlapping)
           .WithTags("Prediction")
           .DisableAntiforgery()
           .WithName("PredictOverlapping")
           .WithSummary("Recognise and separate two overlapping digits in one PNG or JPEG image.")
           .WithDescription(
               "Send multipart/form-data with a file field named `image` showing two digits drawn over each other. A 36×36 "
               + "grey image on a dark background (a MultiMNIST pair) is used as it is; any other image has its ink cropped, "
               + "scaled to a 23-pixel box and centred in 36×36. The answer holds the two digits (longest capsule first), "
               + "the 10 capsule lengths by digit, each digit's reconstruction (36×36 greyscale PNGs, base64, in the order "
               + "of `digits`, decoded from its capsule alone) and an overlay: the first digit's reconstruction in red, the "
               + "second's in green, over the input in grey (36×36 colour PNG). Needs the overlapping-digits model "
               + "(multimnist.onnx); without it: 503, code overlapping-model-unavailable.")
           .WithMetadata(new ImageUploadOperationFilter.Metadata(Multiple: false,
               FileDescription: "A PNG or JPEG image of two overlapping digits: a generated 36×36 MultiMNIST pair, a photo "
                                + "or a drawing, any size up to the limits, any colours."))
           .Produces<OverlappingPredictionResponse>(StatusCodes.Status200OK)
           .ProducesClientProblems()
           .RequiresModel(ModelKinds.MultiMnist);
        return app;
    }

    public static async Task<Ok<OverlappingPredictionResponse>> PredictOverlapping(
        HttpContext context, ImageUploadReader reader, PredictionPipeline pipeline, InferenceRunner runner,
        [FromKeyedServices(ModelKinds.MultiMnist)] OnnxModelStore store)
    {
        var uploads = await reader.ReadAsync(context.Request, batch: false);
        var input = pipeline.Preprocess(uploads, batch: false, context.RequestAborted, DigitFrame.MultiMnist)[0];

        using var lease = InferenceRunner.Acquire(store);
        var inference = runner.Classify([input.Pixels], lease);
        var prediction = inference.Predictions[0];
        int[] digits = Longest(prediction.Probabilities, MultiMnistContract.Digits);

        // One capsule set per digit, every capsule but that digit's zeroed: the decoder's training input.
        const int capsuleValues = ModelContract.Classes * ModelContract.CapsuleDims;
        int pixels = MultiMnistContract.ImagePixels;
        var capsules = new float[digits.Length * capsuleValues];
        for (int k = 0; k < digits.Length; k++)
        {
            int at = digits[k] * ModelContract.CapsuleDims;
            prediction.Capsules.AsSpan(at, ModelContract.CapsuleDims).CopyTo(capsules.AsSpan(k * capsuleValues + at));
        }
        var redrawn = new float[digits.Length * pixels];
        var decoding = runner.Decode(lease, capsules, redrawn, digits.Length);

        ApiConventions.SetModelVersionHeader(context, inference.ModelVersion);
        var first = redrawn.AsSpan(0, pixels);
        var second = redrawn.AsSpan(pixels, pixels);
        return TypedResults.Ok(new OverlappingPredictionResponse
        {
            Digits = digits,
            Probabilities = prediction.Probabilities,
            Reconstructions =
            [
                GreyscalePng.EncodeBase64(first, MultiMnistContract.ImageSide),
                GreyscalePng.EncodeBase64(second, MultiMnistContract.ImageSide),
            ],
            Overlay = Convert.ToBase64String(Overlay(input.Pixels, first, second, MultiMnistContract.ImageSide)),
            ModelInput = GreyscalePng.EncodeBase64(input.Pixels, MultiMnistContract.ImageSide),
            ModelVersion = inference.ModelVersion,
            InferenceMilliseconds = Math.Round((inference.Elapsed + decoding).TotalMilliseconds, 3),
            Preprocessing = new PreprocessingInfo
            {
                Inverted = input.Inverted,
                PassedThrough = input.PassedThrough,
                OriginalWidth = input.OriginalWidth,
                OriginalHeight = input.OriginalHeight,
            },
        });
    }

    /// <summary>The indices of the <paramref name="count"/> longest capsules, longest first (ties: the lower digit).</summary>
    public static int[] Longest(IReadOnlyList<float> lengths, int count) =>
        Enumerable.Range(0, lengths.Count).OrderByDescending(d => lengths[d]).ThenBy(d => d).Take(count).ToArray();

    /// <summary>
    /// The paper's Figure 5 picture as an opaque RGB PNG: the input in grey (at <see cref="InputGrey"/> of its
    /// brightness), the first reconstruction added in red and the second in green, so that where both digits are
    /// drawn it shows yellow.
    /// </summary>
    public static byte[] Overlay(ReadOnlySpan<float> input, ReadOnlySpan<float> first, ReadOnlySpan<float> second, int side)
    {
        int count = side * side;
        if (input.Length != count || first.Length != count || second.Length != count)
            throw new ArgumentException($"the overlay needs three {side}×{side} images");
        var rgba = new byte[count * 4];
        for (int i = 0; i < count; i++)
        {
            float grey = InputGrey * Math.Clamp(input[i], 0f, 1f);
            rgba[4 * i] = GreyscalePng.ToGrey(grey + (1 - grey) * first[i]);
            rgba[4 * i + 1] = GreyscalePng.ToGrey(grey + (1 - grey) * second[i]);
            rgba[4 * i + 2] = GreyscalePng.ToGrey(grey);
            rgba[4 * i + 3] = 255;
        }
        var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        try
        {
            using var pixmap = new SKPixmap(new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Opaque),
                                            handle.AddrOfPinnedObject());
            using var data = pixmap.Encode(SKPngEncoderOptions.Default)
                ?? throw new InvalidOperationException("SkiaSharp could not encode the PNG.");
            return data.ToArray();
        }
        finally
        {
            handle.Free();
        }
    }
}

/// <summary>The two overlapping digits of one image, and each redrawn alone.</summary>
public sealed class OverlappingPredictionResponse
{
    /// <summary>The two digits whose capsules are longest, longest first.</summary>
    /// <example>[3, 8]</example>
    public required int[] Digits { get; init; }

    /// <summary>The length of each digit capsule, indexed by digit (probabilities[3] is for 3), each in [0, 1]. Not a
    /// softmax: two digits being present, two lengths are near 1.</summary>
    /// <example>[0.02, 0.01, 0.03, 0.97, 0.02, 0.05, 0.01, 0.02, 0.91, 0.04]</example>
    public required float[] Probabilities { get; init; }

    /// <summary>Each digit redrawn by the decoder from its capsule alone (all others zeroed), in the order of
    /// <see cref="Digits"/>: 36×36 greyscale PNGs, base64-encoded.</summary>
    public required string[] Reconstructions { get; init; }

    /// <summary>The input in grey with the first reconstruction in red and the second in green (yellow where both
    /// draw): a 36×36 colour PNG, base64-encoded.</summary>
    public required string Overlay { get; init; }

    /// <summary>What the model was given: the upload in the 36×36 MultiMNIST frame, a greyscale PNG, base64-encoded.</summary>
    public required string ModelInput { get; init; }

    /// <summary>The version of the overlapping-digits model that answered.</summary>
    /// <example>20261205-multimnist-e40-1a2b3c4d</example>
    public required string ModelVersion { get; init; }

    /// <summary>Time of the classifier call and the decoder call together, in milliseconds.</summary>
    /// <example>9.8</example>
    public required double InferenceMilliseconds { get; init; }

    /// <summary>What the preprocessing did (passedThrough: the upload already was a 36×36 pair).</summary>
    public required PreprocessingInfo Preprocessing { get; init; }
}
