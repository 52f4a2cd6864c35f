using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace CapsNetService.LoadTest.Http;

/// <summary>
/// A deliberately small HTTP/1.1 client over a plain socket, one connection per request, so that the corpus can send
/// what HttpClient never would (unparseable or repeated headers, lying lengths, trickled or stalled bodies) and still
/// read the answer. The response is read from the first byte on, while the body is still going out: a server that
/// refuses a huge or slow body early is heard at once, and the sender stops.
/// </summary>
public sealed class RawHttpClient(string host, int port)
{
    private const int MaxResponseBytes = 8 * 1024 * 1024;
    private const int SendBlock = 64 * 1024;

    public string Host => host;
    public int Port => port;

    public async Task<RawExchange> SendAsync(RawRequest request, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, deadline.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return new RawExchange(null, $"cannot connect: {e.Message}", deadline.IsCancellationRequested, clock.Elapsed, null);
        }

        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        var reading = ReadResponseAsync(stream, deadline.Token);
        var sending = SendRequestAsync(stream, request, reading, stopSending.Token);

        string? sendError = null;
        var first = await Task.WhenAny(reading, sending);
        if (first == sending)
        {
            sendError = SendErrorOf(sending);
        }
        else
        {
            // The answer came before the body was out: stop sending.
            await stopSending.CancelAsync();
        }

        RawResponse? response = null;
        string? failure = null;
        try
        {
            response = await reading;
        }
        catch (OperationCanceledException)
        {
            failure = $"no complete answer within {timeout.TotalSeconds:F0} s";
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException)
        {
            failure = $"connection ended without a complete answer ({e.Message})";
        }
        finally
        {
            try { socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
            socket.Close();
        }
        if (!sending.IsCompleted) await sending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        sendError ??= SendErrorOf(sending);
        bool timedOut = response is null && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested;
        return new RawExchange(response, failure, timedOut, clock.Elapsed, sendError);
    }

    private static string? SendErrorOf(Task sending) =>
        sending.IsFaulted ? sending.Exception!.GetBaseException().Message : null;

    private async Task SendRequestAsync(NetworkStream stream, RawRequest request, Task responseArrived, CancellationToken token)
    {
        await stream.WriteAsync(request.Head($"{host}:{port}"), token);
        int piece = request.Pacing?.PieceBytes ?? SendBlock;
        long sent = 0;
        foreach (var segment in request.Body)
        {
            for (long r = 0; r < segment.Repeat; r++)
            {
                var bytes = segment.Bytes;
                for (int offset = 0; offset < bytes.Length;)
                {
                    if (responseArrived.IsCompleted) return;
                    if (request.StallAfterBytes is { } stall && sent >= stall)
                    {
                        // Keep the connection open and say nothing more: the server must give up on us by itself.
                        await responseArrived.WaitAsync(token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                        return;
                    }
                    int take = Math.Min(piece, bytes.Length - offset);
                    if (request.StallAfterBytes is { } limit) take = (int)Math.Min(take, limit - sent);
                    var chunk = bytes.Slice(offset, take);
                    if (request.Chunked)
                    {
                        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{take:x}\r\n"), token);
                        await stream.WriteAsync(chunk, token);
                        await stream.WriteAsync("\r\n"u8.ToArray(), token);
                    }
                    else
                    {
                        await stream.WriteAsync(chunk, token);
                    }
                    offset += take;
                    sent += take;
                    if (request.Pacing is { } pacing)
                        await Task.WhenAny(Task.Delay(pacing.Delay, token), responseArrived);
                }
            }
        }
        if (request.StallAfterBytes is not null)
        {
            await responseArrived.WaitAsync(token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }
        if (request.Chunked) await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), token);
    }

    private static async Task<RawResponse> ReadResponseAsync(NetworkStream stream, CancellationToken token)
    {
        var reader = new ResponseReader(stream, token);
        while (true)
        {
            var (status, headers) = await reader.ReadHeadAsync();
            if (status is >= 100 and < 200) continue; // 100 Continue and friends
            byte[] body;
            if (headers.TryGetValue("transfer-encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
                body = await reader.ReadChunkedAsync();
            else if (headers.TryGetValue("content-length", out var cl) && long.TryParse(cl, out var length))
                body = await reader.ReadExactlyAsync(checked((int)Math.Min(length, MaxResponseBytes)));
            else
                body = await reader.ReadToEndAsync();
            return new RawResponse(status, headers, body);
        }
    }

    /// <summary>Reads a response byte stream: head lines, chunked or sized bodies.</summary>
    private sealed class ResponseReader(NetworkStream stream, CancellationToken token)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _start, _end;
        private bool _eof;

        public async Task<(int Status, Dictionary<string, string> Headers)> ReadHeadAsync()
        {
            var statusLine = await ReadLineAsync() ?? throw new IOException("the connection closed before any answer");
            var parts = statusLine.Split(' ', 3);
            if (parts.Length < 2 || !parts[0].StartsWith("HTTP/", StringComparison.Ordinal) || !int.TryParse(parts[1], out var status))
                throw new InvalidDataException($"not an HTTP status line: '{statusLine}'");
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            while (await ReadLineAsync() is { Length: > 0 } line)
            {
                int colon = line.IndexOf(':');
                if (colon > 0) headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
            }
            return (status, headers);
        }

        public async Task<byte[]> ReadChunkedAsync()
        {
            using var body = new MemoryStream();
            while (true)
            {
                var sizeLine = await ReadLineAsync() ?? throw new IOException("the connection closed inside a chunked body");
                var size = Convert.ToInt32(sizeLine.Split(';')[0].Trim(), 16);
                if (size == 0)
                {
                    while (await ReadLineAsync() is { Length: > 0 }) { } // trailers
                    return body.ToArray();
                }
                if (body.Length + size > MaxResponseBytes) throw new InvalidDataException("answer too large");
                body.Write(await ReadExactlyAsync(size));
                await ReadLineAsync();
            }
        }

        public async Task<byte[]> ReadExactlyAsync(int count)
        {
            var result = new byte[count];
            int filled = 0;
            while (filled < count)
            {
                if (_start == _end && !await FillAsync()) throw new IOException($"the connection closed {count - filled} bytes before the end of the answer");
                int take = Math.Min(count - filled, _end - _start);
                Array.Copy(_buffer, _start, result, filled, take);
                _start += take;
                filled += take;
            }
            return result;
        }

        public async Task<byte[]> ReadToEndAsync()
        {
            using var body = new MemoryStream();
            do
            {
                body.Write(_buffer, _start, _end - _start);
                _start = _end;
                if (body.Length > MaxResponseBytes) throw new InvalidDataException("answer too large");
            } while (await FillAsync());
            return body.ToArray();
        }

        private async Task<string?> ReadLineAsync()
        {
            var line = new List<byte>();
            while (true)
            {
                if (_start == _end && !await FillAsync()) return line.Count == 0 ? null : Encoding.Latin1.GetString(line.ToArray());
                byte b = _buffer[_start++];
                if (b == '\n')
                {
                    if (line.Count > 0 && line[^1] == '\r') line.RemoveAt(line.Count - 1);
                    return Encoding.Latin1.GetString(line.ToArray());
                }
                line.Add(b);
                if (line.Count > 64 * 1024) throw new InvalidDataException("answer line too long");
            }
        }

        private async Task<bool> FillAsync()
        {
            if (_eof) return false;
            _start = 0;
            _end = await stream.ReadAsync(_buffer, token);
            if (_end == 0) _eof = true;
            return _end > 0;
        }
    }
}
