using Microsoft.AspNetCore.Http.HttpResults;

namespace CapsNetService.Inference.Api.Uploads;

/// <summary>Either the uploaded images or the problem that stopped them.</summary>
public sealed record UploadReadResult(IReadOnlyList<ImageUpload> Uploads, ProblemHttpResult? Problem)
{
    public static UploadReadResult Refused(ProblemHttpResult problem) => new([], problem);
}
