using System.Text.Json;
using System.Text.RegularExpressions;
using CapsNetService.LoadTest.Http;

namespace CapsNetService.LoadTest.Corpus;

/// <summary>What the service answered to one hostile request, and every rule the answer broke.</summary>
public sealed record CaseOutcome(
    HostileCase Case, int? Status, string? MediaType, string? Code, string? Detail, double Milliseconds, IReadOnlyList<string> Violations)
{
    public bool Passed => Violations.Count == 0;
}

/// <summary>
/// The rules an answer to a bad request must keep: there is an answer, in time; it is one of the expected statuses,
/// never a 5xx; a 4xx is <c>application/problem+json</c> with a status, a title and a detail (Kestrel's own refusals
/// of malformed HTTP excepted: they come before any middleware and carry no body); and nothing in it looks like a
/// stack trace, an exception name or a path on the server.
/// </summary>
public static partial class AnswerCheck
{
    public static CaseOutcome Evaluate(HostileCase hostile, RawExchange exchange)
    {
        var violations = new List<string>();
        var ms = exchange.Elapsed.TotalMilliseconds;
        if (exchange.Response is not { } response)
        {
            violations.Add(exchange.TimedOut ? $"hang: {exchange.Failure}" : $"no answer: {exchange.Failure}");
            return new CaseOutcome(hostile, null, null, null, null, ms, violations);
        }

        int status = response.Status;
        if (status >= 500) violations.Add($"server error {status}");
        if (!hostile.Expected.Contains(status))
            violations.Add($"status {status}, expected {string.Join(" or ", hostile.Expected)}");

        string? code = null, detail = null;
        var text = response.BodyText;
        if (status >= 400)
        {
            if (!hostile.ProtocolLevel || response.Body.Length > 0)
                (code, detail) = CheckProblem(response, text, hostile, violations);
            violations.AddRange(Leaks(text));
        }
        else if (status == 200 && response.MediaType != "image/png")
        {
            try
            {
                using var json = JsonDocument.Parse(text);
                if (!json.RootElement.TryGetProperty("digit", out _) && !json.RootElement.TryGetProperty("results", out _))
                    violations.Add("200 without a prediction in it");
            }
            catch (JsonException)
            {
                violations.Add("200 whose body is not JSON");
            }
        }
        return new CaseOutcome(hostile, status, response.MediaType, code, detail, ms, violations);
    }

    private static (string? Code, string? Detail) CheckProblem(RawResponse response, string text, HostileCase hostile, List<string> violations)
    {
        if (response.MediaType != "application/problem+json")
            violations.Add($"{response.Status} as '{response.MediaType ?? "no content type"}', not application/problem+json");
        try
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            if (!root.TryGetProperty("status", out var s) || s.ValueKind != JsonValueKind.Number || s.GetInt32() != response.Status)
                violations.Add("problem without the matching 'status'");
            if (!root.TryGetProperty("title", out var title) || string.IsNullOrWhiteSpace(title.GetString()))
                violations.Add("problem without a 'title'");
            string? detail = root.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            if (string.IsNullOrWhiteSpace(detail)) violations.Add("problem without a 'detail'");
            else if (hostile.DetailMentions is { } mention && !detail.Contains(mention, StringComparison.OrdinalIgnoreCase))
                violations.Add($"detail does not mention '{mention}': {detail}");
            string? code = root.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            return (code, detail);
        }
        catch (JsonException)
        {
            violations.Add($"{response.Status} whose body is not JSON: {Clip(text)}");
            return (null, null);
        }
    }

    /// <summary>Signs of internals in a body meant for clients: stack frames, exception names, server paths.</summary>
    public static IEnumerable<string> Leaks(string text)
    {
        if (StackFrame().Match(text) is { Success: true } frame) yield return $"stack frame in the body: '{frame.Value}'";
        if (text.Contains(".cs:line", StringComparison.Ordinal)) yield return "source line reference in the body";
        if (text.Contains("Exception", StringComparison.Ordinal)) yield return "exception name in the body";
        if (ServerPath().Match(text) is { Success: true } path) yield return $"server path in the body: '{path.Value}'";
        if (WindowsPath().Match(text) is { Success: true } windows) yield return $"Windows path in the body: '{windows.Value}'";
    }

    [GeneratedRegex(@"\bat [\w.`<>\[\],]+\(", RegexOptions.CultureInvariant)]
    private static partial Regex StackFrame();

    [GeneratedRegex(@"(?<![\w.])/(?:work|tmp|home|root|usr|app|src|proc|etc|var|opt|models|runs|lib|mnt|srv|data)/", RegexOptions.CultureInvariant)]
    private static partial Regex ServerPath();

    [GeneratedRegex(@"\b[A-Za-z]:\\[\w]", RegexOptions.CultureInvariant)]
    private static partial Regex WindowsPath();

    private static string Clip(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
