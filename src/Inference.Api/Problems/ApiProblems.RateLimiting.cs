using Microsoft.AspNetCore.Http.HttpResults;

namespace CapsNetService.Inference.Api.Problems;

public static partial class ApiProblems
{
    public static ProblemHttpResult RateLimited(int retryAfterSeconds, int permitLimit, double windowSeconds) => Create(
        StatusCodes.Status429TooManyRequests, "Too many requests", "rate-limited",
        $"This client has made more than {permitLimit} requests in {windowSeconds:0.#} s; try again in {retryAfterSeconds} s.");
}
