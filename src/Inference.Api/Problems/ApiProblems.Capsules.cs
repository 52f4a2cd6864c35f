using Microsoft.AspNetCore.Http.HttpResults;

namespace CapsNetService.Inference.Api.Problems;

/// <summary>
/// The problems of the capsule endpoints (POST /reconstruct, POST /explore with a JSON capsule). As for uploads:
/// 400 when the request does not have the documented shape (not JSON, an unknown field, a capsule of the wrong
/// length or with a value that is not a number, a digit outside 0–9, an option outside its bounds); 422 when it has
/// the shape but a capsule value cannot be decoded meaningfully (NaN, ±Infinity, beyond ±<see
/// cref="Exploration.CapsuleRequestReader.MaxAbsoluteValue"/>); 415 for another body type; 413 for a body too large.
/// </summary>
public static partial class ApiProblems
{
    private const string CapsuleExample = "{\"digit\": 7, \"capsule\": [16 numbers]}";

    /// <param name="mediaType">The body's type; null when the request has no Content-Type.</param>
    /// <param name="imagesToo">True for POST /explore, which also takes an image upload.</param>
    public static ProblemHttpResult NotCapsuleJson(string? mediaType, bool imagesToo)
    {
        var takes = imagesToo
            ? "this endpoint takes multipart/form-data with a file field named 'image', or application/json with a digit capsule"
            : $"this endpoint takes application/json with a digit capsule, such as {CapsuleExample}";
        return Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "unsupported-media-type",
            mediaType is null ? $"The request has no Content-Type; {takes}." : $"The request body is {Clip(mediaType)}; {takes}.");
    }

    public static ProblemHttpResult MalformedJson(string detail) => Create(StatusCodes.Status400BadRequest,
        "Malformed JSON", "malformed-json", detail);

    public static ProblemHttpResult UnknownField(string name, IEnumerable<string> known) => Create(StatusCodes.Status400BadRequest,
        "Unknown field", "unknown-field",
        $"The body has a field '{Clip(name, 40)}' this endpoint does not know; its fields are {string.Join(", ", known.Select(k => $"'{k}'"))}.");

    public static ProblemHttpResult InvalidCapsule(string detail) => Create(StatusCodes.Status400BadRequest,
        "Invalid capsule", "invalid-capsule", detail);

    public static ProblemHttpResult CapsuleOutOfRange(string detail) => Create(StatusCodes.Status422UnprocessableEntity,
        "Capsule value out of range", "capsule-out-of-range", detail);

    public static ProblemHttpResult InvalidDigit(string detail) => Create(StatusCodes.Status400BadRequest,
        "Invalid digit", "invalid-digit", detail);

    public static ProblemHttpResult InvalidOption(string detail) => Create(StatusCodes.Status400BadRequest,
        "Invalid option", "invalid-option", detail);

    /// <param name="png">What format=png returns on this endpoint.</param>
    public static ProblemHttpResult UnknownFormat(string format, string png) => Create(StatusCodes.Status400BadRequest,
        "Unknown response format", "unknown-format",
        $"format={Clip(format, 40)} is not known; use format=json (the default) or format=png ({png}).");
}
