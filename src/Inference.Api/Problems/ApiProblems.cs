using CapsNetService.Common.Imaging;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CapsNetService.Inference.Api.Problems;

/// <summary>
/// Every error the API answers with, as RFC 9457 problem details (<c>application/problem+json</c>): a status, a
/// title, a <c>detail</c> sentence saying what was wrong and what to send instead, and a stable <c>code</c> for
/// programs. No detail ever holds a stack trace, an exception type or a server path.
/// </summary>
public static partial class ApiProblems
{
    public static ProblemHttpResult MissingContentType() => Create(StatusCodes.Status415UnsupportedMediaType,
        "Unsupported media type", "unsupported-media-type",
        "The request has no Content-Type. Send the image as multipart/form-data with a file field named 'image'.");

    public static ProblemHttpResult NotMultipart(string mediaType) => Create(StatusCodes.Status415UnsupportedMediaType,
        "Unsupported media type", "unsupported-media-type",
        $"The request body is {Clip(mediaType)}; this endpoint takes multipart/form-data with a file field named 'image'.");

    public static ProblemHttpResult MissingBoundary() => Create(StatusCodes.Status400BadRequest,
        "Malformed multipart form", "malformed-form",
        "The multipart/form-data Content-Type has no boundary parameter, so the form cannot be read.");

    public static ProblemHttpResult MalformedForm() => Create(StatusCodes.Status400BadRequest,
        "Malformed multipart form", "malformed-form",
        "The multipart/form-data body could not be read: it is malformed or ends early.");

    public static ProblemHttpResult TooManyFormParts() => Create(StatusCodes.Status400BadRequest,
        "Too many form fields", "too-many-form-fields", "The form has too many fields or files.");

    public static ProblemHttpResult BodyTooLarge(long? length, long limit) => Create(StatusCodes.Status413PayloadTooLarge,
        "Request body too large", "body-too-large",
        length is { } bytes
            ? $"The request body is {bytes:N0} bytes; the limit is {limit:N0} bytes."
            : $"The request body is larger than the limit of {limit:N0} bytes.");

    public static ProblemHttpResult MissingImageField(IReadOnlyCollection<string> fileFields, bool textFieldNamedImage, bool batch)
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
    public static ProblemHttpResult MoreThanOneImage(int count, string path = "/predict") => Create(StatusCodes.Status400BadRequest,
        "More than one image", "too-many-images",
        $"POST {Clip(path, 40)} takes one image and the form has {count}; send several to POST /predict/batch.");

    public static ProblemHttpResult TooManyImages(int count, int limit) => Create(StatusCodes.Status400BadRequest,
        "Too many images", "too-many-images",
        $"The batch holds {count} images; the limit is {limit} per request. Split it into smaller batches.");

    public static ProblemHttpResult EmptyFile(string which) => Create(StatusCodes.Status400BadRequest,
        "Empty file", "empty-file", $"{which} is empty (0 bytes); attach the image file itself.");

    public static ProblemHttpResult UnsupportedFileType(string which, string declared) => Create(
        StatusCodes.Status415UnsupportedMediaType, "Unsupported image type", "unsupported-media-type",
        $"{which} is declared as {Clip(declared)}; only PNG (image/png) and JPEG (image/jpeg) images are accepted.");

    public static ProblemHttpResult NotPngOrJpeg(string which) => Create(StatusCodes.Status422UnprocessableEntity,
        "Not a PNG or JPEG image", "not-an-image",
        $"{which} is not a PNG or JPEG image (its first bytes are neither signature). Upload a PNG or JPEG file.");

    /// <summary>The preprocessor's refusal; its message is written for end users.</summary>
    public static ProblemHttpResult ImageRejected(string which, ImageRejectedException e) => e.Reason switch
    {
        ImageRejectionReason.Blank => Create(StatusCodes.Status422UnprocessableEntity, "No digit in the image", "blank-image",
            $"{which}: {e.Message}"),
        ImageRejectionReason.TooLarge => Create(StatusCodes.Status422UnprocessableEntity, "Image too large", "image-too-large",
            $"{which}: {e.Message}"),
        _ => Create(StatusCodes.Status422UnprocessableEntity, "Unreadable image", "not-an-image", $"{which}: {e.Message}"),
    };

    public static ProblemHttpResult ModelUnavailable() => Create(StatusCodes.Status503ServiceUnavailable,
        "No model loaded", "model-unavailable",
        "The service has no model loaded yet (none has been published, or the published files were rejected). "
        + "GET /model says why; try again once GET /health/ready answers 200.");

    /// <summary>"The image" for /predict; "Image 3 ('a.png')" in a batch.</summary>
    public static string Describe(int index, string fileName, bool batch) =>
        batch ? $"Image {index + 1} ('{Clip(fileName, 80)}')" : fileName.Length > 0 ? $"The image '{Clip(fileName, 80)}'" : "The image";

    private static ProblemHttpResult Create(int status, string title, string code, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title,
            extensions: new Dictionary<string, object?> { ["code"] = code });

    /// <summary>Client-supplied text, cut short and without control characters.</summary>
    private static string Clip(string text, int max = 100)
    {
        var clean = new string(text.Where(c => !char.IsControl(c)).ToArray());
        return clean.Length <= max ? clean : clean[..max] + "…";
    }
}
