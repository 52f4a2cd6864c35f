using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CapsNetService.Inference.Api.Tests.Support;

/// <summary>Asserts that an answer is an RFC 9457 problem with the given status and a detail that says what was
/// wrong, without stack traces, exception names or server paths.</summary>
public static partial class ProblemAssert
{
    public static async Task<JsonElement> IsProblem(HttpResponseMessage response, HttpStatusCode status, params string[] detailMentions)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status} but got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);

        Assert.DoesNotMatch(StackFrame(), text);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        Assert.DoesNotContain(".cs:line", text, StringComparison.Ordinal);
        // No folder of the server's: neither its temporary folder (test model folders live there) nor the clone's.
        Assert.DoesNotContain(Path.GetTempPath().TrimEnd(Path.DirectorySeparatorChar), text, StringComparison.Ordinal);
        Assert.DoesNotContain(RepositoryPaths.Root, text, StringComparison.Ordinal);

        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        var detail = problem.GetProperty("detail").GetString();
        Assert.False(string.IsNullOrWhiteSpace(detail));
        foreach (var mention in detailMentions)
            Assert.True(detail!.Contains(mention, StringComparison.OrdinalIgnoreCase), $"detail \"{detail}\" does not mention \"{mention}\"");
        return problem;
    }

    [GeneratedRegex(@"\bat [\w.`<>]+\(", RegexOptions.CultureInvariant)]
    private static partial Regex StackFrame();
}
