using Microsoft.AspNetCore.Http.HttpResults;

namespace CapsNetService.Inference.Api.Exploration;

/// <summary>A checked JSON capsule request: the capsule to decode and, for POST /explore, the sweep options of the body.</summary>
public sealed record CapsuleRequest(DigitCapsule Capsule, SweepOptions Sweep);

/// <summary>Either the request or the problem that stopped it.</summary>
public sealed record CapsuleReadResult(CapsuleRequest? Request, ProblemHttpResult? Problem)
{
    public static CapsuleReadResult Refused(ProblemHttpResult problem) => new(null, problem);
}
