using Microsoft.AspNetCore.Http.HttpResults;

namespace CapsNetService.Inference.Api.Problems;

/// <summary>
/// The problems of a form the multipart reader gives up on before any image is looked at: a body that arrives too
/// slowly (Kestrel's minimum data rate), a part over one of the reader's own limits (a boundary, a header line, a
/// text field), and a Content-Type header that cannot be parsed at all.
/// </summary>
public static partial class ApiProblems
{
    public static ProblemHttpResult RequestBodyTimeout() => Create(StatusCodes.Status408RequestTimeout,
        "Request body too slow", "request-timeout",
        "The request body arrived too slowly or stopped before its end; send the whole body without pausing.");

    /// <param name="what">What was over the limit, in words: "the boundary", "a part's header", …</param>
    public static ProblemHttpResult FormPartOverLimit(string what) => Create(StatusCodes.Status400BadRequest,
        "Malformed multipart form", "malformed-form",
        $"The multipart/form-data body could not be read: {what} is longer than the form reader accepts.");

    public static ProblemHttpResult UnreadableContentType() => Create(StatusCodes.Status415UnsupportedMediaType,
        "Unsupported media type", "unsupported-media-type",
        "The request's Content-Type header cannot be parsed (is it sent twice?). Send the image as multipart/form-data "
        + "with a file field named 'image'.");
}
