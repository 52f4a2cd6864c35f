using System.Text;

namespace CapsNetService.LoadTest.Corpus;

/// <summary>A multipart/form-data body written byte by byte, so that it can also be written wrong.</summary>
public sealed class MultipartBody(string boundary = "capsnet-loadtest-boundary")
{
    private readonly MemoryStream _bytes = new();

    public string Boundary => boundary;

    public string ContentType => $"multipart/form-data; boundary={boundary}";

    /// <summary>A file part: Content-Disposition with a filename (when given), Content-Type (when given), extra header lines.</summary>
    public MultipartBody File(string name, string? fileName, string? contentType, ReadOnlySpan<byte> bytes, params string[] extraHeaders)
    {
        var disposition = $"form-data; name=\"{name}\"" + (fileName is null ? "" : $"; filename=\"{fileName}\"");
        var headers = new List<string> { $"Content-Disposition: {disposition}" };
        if (contentType is not null) headers.Add($"Content-Type: {contentType}");
        headers.AddRange(extraHeaders);
        return Part(headers, bytes);
    }

    public MultipartBody Text(string name, string value) =>
        Part([$"Content-Disposition: form-data; name=\"{name}\""], Encoding.UTF8.GetBytes(value));

    /// <summary>A part with exactly these header lines (none at all is allowed).</summary>
    public MultipartBody Part(IEnumerable<string> headerLines, ReadOnlySpan<byte> content)
    {
        Ascii($"--{boundary}\r\n");
        foreach (var line in headerLines) Utf8(line + "\r\n");
        Ascii("\r\n");
        _bytes.Write(content);
        Ascii("\r\n");
        return this;
    }

    public MultipartBody Raw(ReadOnlySpan<byte> bytes)
    {
        _bytes.Write(bytes);
        return this;
    }

    /// <summary>The body, closed with the final boundary unless told otherwise.</summary>
    public byte[] Build(bool close = true)
    {
        var body = _bytes.ToArray();
        return close ? [.. body, .. Encoding.ASCII.GetBytes($"--{boundary}--\r\n")] : body;
    }

    /// <summary>The body up to, not including, the content of a file part that is to follow (for huge bodies
    /// streamed as prefix + filler + <see cref="Closing"/>).</summary>
    public byte[] OpenFile(string name, string fileName, string contentType)
    {
        Ascii($"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{fileName}\"\r\nContent-Type: {contentType}\r\n\r\n");
        return _bytes.ToArray();
    }

    public byte[] Closing() => Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n");

    private void Ascii(string text) => _bytes.Write(Encoding.ASCII.GetBytes(text));

    private void Utf8(string text) => _bytes.Write(Encoding.UTF8.GetBytes(text));
}
