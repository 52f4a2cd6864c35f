using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CapsNetService.Inference.Api.Tests.Hosting;

/// <summary>
/// Request bodies on a real socket against Uploads:BodyIdleSeconds, BodyDeadlineSeconds and MaxConcurrentUploads.
/// Kestrel's minimum data rate is an average over the whole body: 20 clients that sent 2 MB and stopped 10 bytes short
/// were all still connected after 70 s, each holding a spooled form; a stalled JSON body got a 408 without a code.
/// </summary>
public sealed class BodyReadGuardTests : IDisposable
{
    private const string Boundary = "b";
    private static readonly string FilePartHeader =
        $"--{Boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n";

    private readonly TemporaryDirectory _models = TestModels.CopyToTemporaryDirectory();
    private readonly CapsNetApiFactory _factory;
    private readonly Uri _address;

    public BodyReadGuardTests()
    {
        _factory = new CapsNetApiFactory(_models.Path, new Dictionary<string, string>
        {
            ["Uploads:BodyIdleSeconds"] = "1",
            ["Uploads:BodyDeadlineSeconds"] = "3",
            ["Uploads:MaxConcurrentUploads"] = "1",
            ["Uploads:MaxConnections"] = "50",
        });
        _address = _factory.StartKestrel();
    }

    public void Dispose()
    {
        _factory.Dispose();
        _models.Dispose();
    }

    [Fact]
    public async Task An_upload_that_stops_before_its_end_is_408_after_the_idle_limit_and_the_connection_closes()
    {
        var image = TestImages.MnistPng(0);
        var started = Stopwatch.GetTimestamp();
        // Promise the whole form, send all of it but the last 10 bytes, then nothing.
        var (text, closed) = await SendAndWait("/predict", "multipart/form-data; boundary=b",
            Encoding.Latin1.GetBytes(FilePartHeader) is var head ? [.. head, .. image, .. "\r\n--b--\r\n"u8] : [], withhold: 10);
        var elapsed = Stopwatch.GetElapsedTime(started);

        Assert.StartsWith("HTTP/1.1 408", text);
        Assert.Contains("application/problem+json", text);
        Assert.Contains("\"code\":\"request-timeout\"", text);
        Assert.True(closed, "the server closes the connection after the 408");
        Assert.True(elapsed < TimeSpan.FromSeconds(2.9), $"answered after {elapsed.TotalSeconds:F1} s; the idle limit is 1 s");
    }

    [Fact]
    public async Task A_stalled_json_body_gets_the_same_408_problem_as_an_upload()
    {
        var body = Encoding.ASCII.GetBytes($$"""{"digit": 7, "capsule": {{CapsuleRequests.Capsule()}}}""");
        var (text, _) = await SendAndWait("/reconstruct", "application/json", body, withhold: 5);
        Assert.StartsWith("HTTP/1.1 408", text);
        Assert.Contains("\"code\":\"request-timeout\"", text);
    }

    [Fact]
    public async Task A_body_that_trickles_without_pausing_is_408_at_the_deadline()
    {
        using var socket = await Connect();
        await using var stream = new NetworkStream(socket);
        var started = Stopwatch.GetTimestamp();
        await stream.WriteAsync(Head("/predict", "multipart/form-data; boundary=b", 100_000));
        // One byte every 0.3 s, never idle for the 1 s limit, until just before the 3 s deadline; then silence. The
        // answer comes at the deadline, not a second later when the idle limit would have ended it.
        while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(2.7))
        {
            await stream.WriteAsync("-"u8.ToArray());
            await Task.Delay(300);
        }
        var (text, _) = await ReadAnswer(stream);
        var elapsed = Stopwatch.GetElapsedTime(started);
        Assert.StartsWith("HTTP/1.1 408", text);
        Assert.Contains("\"code\":\"request-timeout\"", text);
        Assert.True(elapsed < TimeSpan.FromSeconds(3.7), $"answered after {elapsed.TotalSeconds:F1} s; the deadline is 3 s");
    }

    [Fact]
    public async Task Uploads_over_the_concurrency_limit_get_503_and_the_slot_comes_back()
    {
        using var stalled = await Connect();
        await using var stalledStream = new NetworkStream(stalled);
        await stalledStream.WriteAsync(Head("/predict", "multipart/form-data; boundary=b", 5_000));
        await stalledStream.WriteAsync(Encoding.ASCII.GetBytes(FilePartHeader));
        await Task.Delay(300);   // the stalled upload now holds the only slot

        using var client = new HttpClient { BaseAddress = _address };
        using (var busy = await client.PostImage(TestImages.MnistPng(0)))
        {
            var problem = await ProblemAssert.IsProblem(busy, System.Net.HttpStatusCode.ServiceUnavailable, "request bodies");
            Assert.Equal("too-many-uploads", problem.GetProperty("code").GetString());
            Assert.Equal("1", busy.Headers.RetryAfter?.Delta?.TotalSeconds.ToString());
        }

        var (text, _) = await ReadAnswer(stalledStream);   // the stalled one times out and gives the slot back
        Assert.StartsWith("HTTP/1.1 408", text);
        using var served = await client.PostImage(TestImages.MnistPng(0));
        Assert.Equal(System.Net.HttpStatusCode.OK, served.StatusCode);
    }

    [Fact]
    public void The_connection_cap_is_kestrels()
    {
        var kestrel = _factory.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;
        Assert.Equal(50, kestrel.Limits.MaxConcurrentConnections);
    }

    private async Task<Socket> Connect()
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_address.Host, _address.Port);
        return socket;
    }

    private byte[] Head(string path, string contentType, int contentLength) => Encoding.ASCII.GetBytes(
        $"POST {path} HTTP/1.1\r\nHost: {_address.Authority}\r\nContent-Type: {contentType}\r\nContent-Length: {contentLength}\r\n\r\n");

    /// <summary>Sends the head and the body but its last <paramref name="withhold"/> bytes, then waits for the answer.</summary>
    private async Task<(string Text, bool Closed)> SendAndWait(string path, string contentType, byte[] body, int withhold)
    {
        using var socket = await Connect();
        await using var stream = new NetworkStream(socket);
        await stream.WriteAsync(Head(path, contentType, body.Length));
        await stream.WriteAsync(body.AsMemory(0, body.Length - withhold));
        return await ReadAnswer(stream);
    }

    /// <summary>Reads until the server closes the connection (Closed) or 10 s pass.</summary>
    private static async Task<(string Text, bool Closed)> ReadAnswer(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var answer = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0) answer.Write(buffer, 0, read);
            return (Encoding.UTF8.GetString(answer.ToArray()), true);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            return (Encoding.UTF8.GetString(answer.ToArray()), e is IOException);
        }
    }
}
