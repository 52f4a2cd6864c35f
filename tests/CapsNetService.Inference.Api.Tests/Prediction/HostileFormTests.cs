using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace CapsNetService.Inference.Api.Tests.Prediction;

/// <summary>
/// Regressions found by the hostile-upload corpus (tools/CapsNetService.LoadTest, docs/reliability.md): forms that
/// break one of the multipart reader's own limits with a few hundred bytes were answered 413 "body larger than
/// 33,554,432 bytes"; a body that stalls was answered 400 "malformed"; a repeated Content-Type was described as
/// "multipart/form-data" while being refused as not multipart/form-data.
/// </summary>
public sealed class HostileFormTests(ServiceFixture.SmallLimits limited) : IClassFixture<ServiceFixture.SmallLimits>
{
    private readonly HttpClient _client = limited.Client;

    private static ByteArrayContent Multipart(string body, string boundary)
    {
        var content = new ByteArrayContent(Encoding.Latin1.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={boundary}");
        return content;
    }

    private static string FilePart(string boundary, string extraHeaders = "", string newline = "\r\n") =>
        $"--{boundary}{newline}Content-Disposition: form-data; name=\"image\"; filename=\"a.png\"{newline}"
        + $"Content-Type: image/png{newline}{extraHeaders}{newline}not a png{newline}--{boundary}--{newline}";

    /// <summary>A text field over the form reader's 4 MiB beside a real image was answered 200 (ASP.NET Core holds
    /// multipart text fields only to the body's limit); six such requests grew the process by 400 MB.</summary>
    [Theory]
    [InlineData("/predict")]
    [InlineData("/explore")]
    public async Task A_text_field_over_4_MiB_is_a_malformed_form(string path)
    {
        using var factory = new CapsNetApiFactory(TestModels.Directory);
        using var client = factory.CreateClient();
        using var form = UploadForms.Image(TestImages.MnistPng(0));
        form.Add(new StringContent(new string('a', 4 * 1024 * 1024 + 1)), "note");
        using var response = await client.PostAsync(path, form);
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest, "a text field");
        Assert.Equal("malformed-form", problem.GetProperty("code").GetString());

        using var small = UploadForms.Image(TestImages.MnistPng(0));
        small.Add(new StringContent(new string('a', 1000)), "note");
        using var accepted = await client.PostAsync(path, small);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task A_boundary_over_the_readers_limit_is_a_malformed_form_not_a_large_body()
    {
        var boundary = new string('b', 200);
        using var response = await _client.PostAsync("/predict", Multipart(FilePart(boundary), boundary));
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest, "boundary");
        Assert.Equal("malformed-form", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_part_header_over_the_readers_limit_is_a_malformed_form()
    {
        var body = FilePart("b", $"X-Padding: {new string('a', 20 * 1024)}\r\n");
        using var response = await _client.PostAsync("/predict", Multipart(body, "b"));
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest, "headers");
        Assert.Equal("malformed-form", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Too_many_part_headers_is_a_malformed_form()
    {
        var headers = string.Concat(Enumerable.Range(0, 40).Select(i => $"X-Header-{i}: {i}\r\n"));
        using var response = await _client.PostAsync("/predict", Multipart(FilePart("b", headers), "b"));
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest, "header lines");
        Assert.Equal("malformed-form", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Bare_line_feeds_are_a_malformed_form_not_a_large_body()
    {
        using var response = await _client.PostAsync("/predict", Multipart(FilePart("b", newline: "\n"), "b"));
        await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest, "multipart/form-data");
    }

    [Fact]
    public async Task A_repeated_content_type_is_415_saying_it_cannot_be_parsed()
    {
        var content = new ByteArrayContent(Encoding.ASCII.GetBytes(FilePart("b")));
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=b");
        content.Headers.TryAddWithoutValidation("Content-Type", "text/plain");
        using var response = await _client.PostAsync("/predict", content);
        await ProblemAssert.IsProblem(response, HttpStatusCode.UnsupportedMediaType, "cannot be parsed");
    }

    [Fact]
    public async Task A_body_that_stalls_is_408_problem_json()
    {
        using var models = TestModels.CopyToTemporaryDirectory();
        // Kestrel's minimum request body rate given a 2 s grace (5 s by default).
        using var factory = new CapsNetApiFactory(models.Path);
        var address = factory.StartKestrel(options => options.Limits.MinRequestBodyDataRate = new MinDataRate(240, TimeSpan.FromSeconds(2)));

        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(address.Host, address.Port);
        await using var stream = new NetworkStream(socket);
        var part = "--b\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n";
        // Promise 5,000 bytes, send the first part header, then nothing: Kestrel's minimum data rate ends the wait.
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /predict HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            + $"Content-Length: 5000\r\nConnection: close\r\n\r\n{part}"));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var answer = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0) answer.Write(buffer, 0, read);
        var text = Encoding.UTF8.GetString(answer.ToArray());

        Assert.StartsWith("HTTP/1.1 408", text);
        Assert.Contains("Content-Type: application/problem+json", text);
        Assert.Contains("\"code\":\"request-timeout\"", text);
        Assert.DoesNotContain("Exception", text);
    }

}
