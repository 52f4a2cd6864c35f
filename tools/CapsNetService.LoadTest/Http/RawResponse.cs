using System.Net.Http.Headers;
using System.Text;

namespace CapsNetService.LoadTest.Http;

/// <summary>The final (non-1xx) response to a <see cref="RawRequest"/>. Header names are lower case; a repeated
/// header keeps its last value.</summary>
public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? MediaType =>
        Headers.TryGetValue("content-type", out var value) && MediaTypeHeaderValue.TryParse(value, out var parsed) ? parsed.MediaType : null;

    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>What came of sending a request: a response, or why there was none.</summary>
/// <param name="Failure">Set when no complete response came: the connection closed first, or the time ran out.</param>
/// <param name="SendError">The sender's own error, when the server stopped reading (expected for refused huge bodies).</param>
public sealed record RawExchange(RawResponse? Response, string? Failure, bool TimedOut, TimeSpan Elapsed, string? SendError);
