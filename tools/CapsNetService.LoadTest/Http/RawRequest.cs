using System.Text;

namespace CapsNetService.LoadTest.Http;

/// <summary>A piece of a request body: <see cref="Bytes"/> sent <see cref="Repeat"/> times (a huge body is a
/// small block repeated, so the client never holds it in memory).</summary>
public sealed record BodySegment(ReadOnlyMemory<byte> Bytes, long Repeat = 1)
{
    public long Length => Bytes.Length * Repeat;

    public static implicit operator BodySegment(byte[] bytes) => new((ReadOnlyMemory<byte>)bytes, 1);
}

/// <summary>How a slow sender trickles its body: <see cref="PieceBytes"/> at a time, <see cref="Delay"/> apart.</summary>
public sealed record Pacing(int PieceBytes, TimeSpan Delay);

/// <summary>
/// One HTTP/1.1 request exactly as it goes on the wire, malformations included: any headers (repeated, missing,
/// unparseable), a body that may be huge, chunked, trickled, cut short, or that stops halfway and waits.
/// </summary>
public sealed class RawRequest
{
    public required string Method { get; init; }

    /// <summary>The request target, e.g. <c>/predict?format=png</c>.</summary>
    public required string Target { get; init; }

    /// <summary>Headers besides Host, Connection and the body framing (added by the sender unless told otherwise).</summary>
    public List<(string Name, string Value)> Headers { get; init; } = [];

    public IReadOnlyList<BodySegment> Body { get; init; } = [];

    /// <summary>Send the body with Transfer-Encoding: chunked instead of a Content-Length.</summary>
    public bool Chunked { get; init; }

    /// <summary>The Content-Length to declare when it is not the body's real length (a lie, for cut-short bodies).</summary>
    public long? DeclaredLength { get; init; }

    /// <summary>Send no Content-Length header at all (for requests that carry their own framing headers).</summary>
    public bool OmitFraming { get; init; }

    /// <summary>Trickle the body instead of sending it at once.</summary>
    public Pacing? Pacing { get; init; }

    /// <summary>Stop sending after this many body bytes and keep the connection open, waiting for the server.</summary>
    public long? StallAfterBytes { get; init; }

    public long BodyLength => Body.Sum(s => s.Length);

    public string? ContentType => Headers.LastOrDefault(h => h.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)).Value;

    public RawRequest WithHeader(string name, string value)
    {
        Headers.Add((name, value));
        return this;
    }

    /// <summary>The request line and headers, ready to send.</summary>
    public byte[] Head(string host)
    {
        var head = new StringBuilder();
        head.Append(Method).Append(' ').Append(Target).Append(" HTTP/1.1\r\n");
        head.Append("Host: ").Append(host).Append("\r\n");
        foreach (var (name, value) in Headers) head.Append(name).Append(": ").Append(value).Append("\r\n");
        if (!OmitFraming)
        {
            if (Chunked) head.Append("Transfer-Encoding: chunked\r\n");
            else if (DeclaredLength is { } declared) head.Append("Content-Length: ").Append(declared).Append("\r\n");
            else if (Body.Count > 0 || Method is "POST" or "PUT") head.Append("Content-Length: ").Append(BodyLength).Append("\r\n");
        }
        head.Append("Connection: close\r\n\r\n");
        // Header values are Latin-1 on the wire; the corpus keeps them ASCII except where it means not to.
        return Encoding.Latin1.GetBytes(head.ToString());
    }
}
