namespace CapsNetService.Inference.Api;

/// <summary>
/// Every error the API answers with, as RFC 9457 problem details (<c>application/problem+json</c>): a status, a
/// title, a <c>detail</c> sentence saying what was wrong and what to send instead, and a stable <c>code</c> for
/// programs. No detail ever holds a stack trace, an exception type or a server path.
/// <para>A problem is thrown by whoever finds it (the upload and capsule readers, the prediction pipeline, the
/// explorer) and turned into problem+json in one place, <see cref="ToResult"/>, by the endpoint filter of
/// <see cref="ApiConventions.RequiresModel"/>: the feature code never builds an HTTP result for an error.</para>
/// <para>Upload problems: 415 for another body type or a part declared as one, 413 for a body or its images' pixels over the limit, 400 for
/// a form that is malformed or lacks its image, 422 for bytes that are no usable image. Capsule problems: 400 when the
/// JSON does not have the documented shape (not JSON, an unknown field, a capsule of the wrong length or with a value
/// that is not a number, a digit outside 0–9, an option outside its bounds); 422 when it has the shape but a value
/// cannot be decoded meaningfully (NaN, ±Infinity, beyond ±<see cref="CapsuleRequestReader.MaxAbsoluteValue"/>).</para>
/// </summary>
public sealed class ApiProblem(int status, string title, string code, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;

    /// <summary>The stable, machine-readable name of the problem (<c>body-too-large</c>).</summary>
    public string Code { get; } = code;

    public string Detail { get; } = detail;

    /// <summary>Seconds after which the client may try again (sent as Retry-After), or null.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>The problem as the client receives it.</summary>
    public ProblemHttpResult ToResult() => TypedResults.Problem(detail: Detail, statusCode: Status, title: Title,
        extensions: new Dictionary<string, object?> { ["code"] = Code });

    public static ApiProblem MissingContentType() => Create(StatusCodes.Status415UnsupportedMediaType,
        "Unsupported media type", "unsupported-media-type",
        "The request has no Content-Type. Send the image as multipart/form-data with a file field named 'image'.");

    public static ApiProblem NotMultipart(string mediaType) => Create(StatusCodes.Status415UnsupportedMediaType,
        "Unsupported media type", "unsupported-media-type",
        $"The request body is {Clip(mediaType)}; this endpoint takes multipart/form-data with a file field named 'image'.");

    public static ApiProblem MissingBoundary() => Create(StatusCodes.Status400BadRequest,
        "Malformed multipart form", "malformed-form",
        "The multipart/form-data Content-Type has no boundary parameter, so the form cannot be read.");

    public static ApiProblem MalformedForm() => Create(StatusCodes.Status400BadRequest,
        "Malformed multipart form", "malformed-form",
        "The multipart/form-data body could not be read: it is malformed or ends early.");

    public static ApiProblem TooManyFormParts() => Create(StatusCodes.Status400BadRequest,
        "Too many form fields", "too-many-form-fields", "The form has too many fields or files.");

    public static ApiProblem BodyTooLarge(long? length, long limit) => Create(StatusCodes.Status413PayloadTooLarge,
        "Request body too large", "body-too-large",
        length is { } bytes
            ? $"The request body is {bytes:N0} bytes; the limit is {limit:N0} bytes."
            : $"The request body is larger than the limit of {limit:N0} bytes.");

    public static ApiProblem MissingImageField(IReadOnlyCollection<string> fileFields, bool textFieldNamedImage, bool batch)
    {
        var expected = batch ? "file fields named 'images' (or 'image', repeated)" : "a file field named 'image'";
        string detail = textFieldNamedImage
            ? $"The form field 'image' is text, not a file. Attach the image as a file ({expected})."
            : fileFields.Count > 0
                ? $"The form holds no image: it needs {expected} and has only the file field(s) "
                  + $"{string.Join(", ", fileFields.Take(5).Select(f => $"'{Clip(f, 40)}'"))}."
                : $"The form holds no image: it needs {expected}.";
        return Create(StatusCodes.Status400BadRequest, "No image in the form", "missing-image", detail);
    }

    /// <param name="path">The endpoint that takes one image (/predict, /explore).</param>
    public static ApiProblem MoreThanOneImage(int count, string path = "/predict") => Create(StatusCodes.Status400BadRequest,
        "More than one image", "too-many-images",
        $"POST {Clip(path, 40)} takes one image and the form has {count}; send several to POST /predict/batch.");

    public static ApiProblem TooManyImages(int count, int limit) => Create(StatusCodes.Status400BadRequest,
        "Too many images", "too-many-images",
        $"The batch holds {count} images; the limit is {limit} per request. Split it into smaller batches.");

    public static ApiProblem EmptyFile(string which) => Create(StatusCodes.Status400BadRequest,
        "Empty file", "empty-file", $"{which} is empty (0 bytes); attach the image file itself.");

    public static ApiProblem UnsupportedFileType(string which, string declared) => Create(
        StatusCodes.Status415UnsupportedMediaType, "Unsupported image type", "unsupported-media-type",
        $"{which} is declared as {Clip(declared)}; only PNG (image/png) and JPEG (image/jpeg) images are accepted.");

    public static ApiProblem NotPngOrJpeg(string which) => Create(StatusCodes.Status422UnprocessableEntity,
        "Not a PNG or JPEG image", "not-an-image",
        $"{which} is not a PNG or JPEG image (its first bytes are neither signature). Upload a PNG or JPEG file.");

    /// <summary>The preprocessor's refusal; its message is written for end users.</summary>
    public static ApiProblem ImageRejected(string which, ImageRejectedException e) => e.Reason switch
    {
        ImageRejectionReason.Blank => Create(StatusCodes.Status422UnprocessableEntity, "No digit in the image", "blank-image",
            $"{which}: {e.Message}"),
        ImageRejectionReason.TooLarge => Create(StatusCodes.Status422UnprocessableEntity, "Image too large", "image-too-large",
            $"{which}: {e.Message}"),
        _ => Create(StatusCodes.Status422UnprocessableEntity, "Unreadable image", "not-an-image", $"{which}: {e.Message}"),
    };

    /// <summary>With ?reject=true: the model does not take the image for a digit (its calibrated thresholds).</summary>
    public static ApiProblem NotADigit(string which, int bestGuess, double confidence, double reconstructionError) => Create(
        StatusCodes.Status422UnprocessableEntity, "Not a digit", "not-a-digit",
        $"{which} does not look like a digit: the model's best guess, {bestGuess}, has a capsule length of "
        + $"{confidence.ToString("0.###", CultureInfo.InvariantCulture)} and a reconstruction error of "
        + $"{reconstructionError.ToString("0.####", CultureInfo.InvariantCulture)}, outside what the model accepts as a digit "
        + "(GET /model shows its thresholds). Send it without reject=true to get the best guess anyway.");

    /// <param name="pixels">The request's images' pixels together, as they would be decoded.</param>
    public static ApiProblem PixelBudgetExceeded(long pixels, int images, long limit) => Create(StatusCodes.Status413PayloadTooLarge,
        "Too many pixels", "pixel-budget-exceeded",
        $"The request's {images} image(s) hold {pixels:N0} pixels together; the limit is {limit:N0} pixels per request. "
        + "Send smaller images, or fewer in each request.");

    public static ApiProblem ModelUnavailable() => Create(StatusCodes.Status503ServiceUnavailable,
        "No model loaded", "model-unavailable",
        "The service has no model loaded yet (none has been published, or the published files were rejected). "
        + "GET /model says why; try again once GET /health/ready answers 200.");

    public static ApiProblem OverlappingModelUnavailable() => Create(StatusCodes.Status503ServiceUnavailable,
        "No overlapping-digits model loaded", "overlapping-model-unavailable",
        $"The service has no overlapping-digits model loaded: {MultiMnistContract.ModelFileName} has not been published in "
        + "its models folder, or the published files were rejected. GET /model says why (under 'overlapping'); "
        + "POST /predict recognises single digits meanwhile.");

    /// <summary>"The image" for /predict; "Image 3 ('a.png')" in a batch.</summary>
    public static string Describe(int index, string fileName, bool batch) =>
        batch ? $"Image {index + 1} ('{Clip(fileName, 80)}')" : fileName.Length > 0 ? $"The image '{Clip(fileName, 80)}'" : "The image";

    private static ApiProblem Create(int status, string title, string code, string detail) => new(status, title, code, detail);

    /// <summary>Client-supplied text, cut short and without control characters.</summary>
    private static string Clip(string text, int max = 100)
    {
        var clean = new string(text.Where(c => !char.IsControl(c)).ToArray());
        return clean.Length <= max ? clean : clean[..max] + "…";
    }

    // The form reader's own refusals.
    public static ApiProblem RequestBodyTimeout() => Create(StatusCodes.Status408RequestTimeout,
        "Request body too slow", "request-timeout",
        "The request body arrived too slowly or stopped before its end; send the whole body without pausing.");

    public static ApiProblem TooManyUploads(int limit) => new(StatusCodes.Status503ServiceUnavailable,
        "Too many uploads in progress", "too-many-uploads",
        $"The service is already reading {limit:N0} request bodies; try again in a moment.") { RetryAfterSeconds = 1 };

    /// <param name="what">What was over the limit, in words: "the boundary", "a part's header", …</param>
    public static ApiProblem FormPartOverLimit(string what) => Create(StatusCodes.Status400BadRequest,
        "Malformed multipart form", "malformed-form",
        $"The multipart/form-data body could not be read: {what} is longer than the form reader accepts.");

    /// <param name="capsuleToo">True for POST /explore, which also takes a JSON capsule.</param>
    public static ApiProblem UnreadableContentType(bool capsuleToo = false) => Create(StatusCodes.Status415UnsupportedMediaType,
        "Unsupported media type", "unsupported-media-type",
        "The request's Content-Type header cannot be parsed (is it sent twice?). Send the image as multipart/form-data "
        + "with a file field named 'image'" + (capsuleToo ? ", or a digit capsule as application/json." : "."));

    // The capsule endpoints (POST /reconstruct, POST /explore with a JSON capsule).
    private const string CapsuleExample = "{\"digit\": 7, \"capsule\": [16 numbers]}";

    /// <param name="mediaType">The body's type; null when the request has no Content-Type.</param>
    /// <param name="imagesToo">True for POST /explore, which also takes an image upload.</param>
    public static ApiProblem NotCapsuleJson(string? mediaType, bool imagesToo)
    {
        var takes = imagesToo
            ? "this endpoint takes multipart/form-data with a file field named 'image', or application/json with a digit capsule"
            : $"this endpoint takes application/json with a digit capsule, such as {CapsuleExample}";
        return Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "unsupported-media-type",
            mediaType is null ? $"The request has no Content-Type; {takes}." : $"The request body is {Clip(mediaType)}; {takes}.");
    }

    public static ApiProblem MalformedJson(string detail) => Create(StatusCodes.Status400BadRequest,
        "Malformed JSON", "malformed-json", detail);

    public static ApiProblem UnknownField(string name, IEnumerable<string> known) => Create(StatusCodes.Status400BadRequest,
        "Unknown field", "unknown-field",
        $"The body has a field '{Clip(name, 40)}' this endpoint does not know; its fields are {string.Join(", ", known.Select(k => $"'{k}'"))}.");

    public static ApiProblem InvalidCapsule(string detail) => Create(StatusCodes.Status400BadRequest,
        "Invalid capsule", "invalid-capsule", detail);

    public static ApiProblem CapsuleOutOfRange(string detail) => Create(StatusCodes.Status422UnprocessableEntity,
        "Capsule value out of range", "capsule-out-of-range", detail);

    public static ApiProblem InvalidDigit(string detail) => Create(StatusCodes.Status400BadRequest,
        "Invalid digit", "invalid-digit", detail);

    public static ApiProblem InvalidOption(string detail) => Create(StatusCodes.Status400BadRequest,
        "Invalid option", "invalid-option", detail);

    /// <param name="png">What format=png returns on this endpoint.</param>
    public static ApiProblem UnknownFormat(string format, string png) => Create(StatusCodes.Status400BadRequest,
        "Unknown response format", "unknown-format",
        $"format={Clip(format, 40)} is not known; use format=json (the default) or format=png ({png}).");


    public static ApiProblem RateLimited(int retryAfterSeconds, int permitLimit, double windowSeconds) => Create(
        StatusCodes.Status429TooManyRequests, "Too many requests", "rate-limited",
        $"This client has made more than {permitLimit} requests in {windowSeconds:0.#} s; try again in {retryAfterSeconds} s.");
}
