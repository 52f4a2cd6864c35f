using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace CapsNetService.Inference.Api.Tests.Prediction;

/// <summary>Every kind of bad upload gets its 4xx as application/problem+json with a detail that says what was wrong
/// (see <see cref="ProblemAssert"/>: no stack trace, no exception name, no server path).</summary>
public sealed class UploadProblemTests(ServiceFixture.SmallLimits limited) : IClassFixture<ServiceFixture.SmallLimits>
{
    private readonly HttpClient _client = limited.Client;

    [Fact]
    public async Task A_JSON_body_is_415()
    {
        using var response = await _client.PostAsync("/predict",
            new StringContent("""{"image":"iVBORw0KGgo="}""", Encoding.UTF8, "application/json"));
        await ProblemAssert.IsProblem(response, HttpStatusCode.UnsupportedMediaType, "application/json", "multipart/form-data");
    }

    [Fact]
    public async Task A_body_without_content_type_is_415()
    {
        var content = new ByteArrayContent(TestImages.MnistPng(0));
        content.Headers.ContentType = null;
        using var response = await _client.PostAsync("/predict", content);
        await ProblemAssert.IsProblem(response, HttpStatusCode.UnsupportedMediaType, "Content-Type");
    }

    [Fact]
    public async Task A_raw_png_body_is_415()
    {
        var content = new ByteArrayContent(TestImages.MnistPng(0));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var response = await _client.PostAsync("/predict/batch", content);
        await ProblemAssert.IsProblem(response, HttpStatusCode.UnsupportedMediaType, "image/png", "multipart/form-data");
    }

    [Fact]
    public async Task A_form_without_the_image_field_is_400()
    {
        using var response = await _client.PostAsync("/predict", UploadForms.Form(("picture", TestImages.MnistPng(0), "a.png", "image/png")));
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest, "'image'", "'picture'");
        Assert.Equal("missing-image", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_text_field_named_image_is_400()
    {
        using var form = new MultipartFormDataContent { { new StringContent("iVBORw0KGgo="), "image" } };
        using var response = await _client.PostAsync("/predict", form);
        await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest, "text, not a file");
    }

    [Fact]
    public async Task An_empty_file_is_400()
    {
        using var response = await _client.PostImage([], "nothing.png");
        await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest, "empty", "nothing.png");
    }

    [Fact]
    public async Task Two_images_to_predict_is_400()
    {
        using var response = await _client.PostAsync("/predict", UploadForms.Form(
            ("image", TestImages.MnistPng(0), "a.png", "image/png"), ("image", TestImages.MnistPng(1), "b.png", "image/png")));
        await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest, "/predict/batch");
    }

    [Fact]
    public async Task A_part_declared_as_another_type_is_415()
    {
        using var response = await _client.PostImage(TestImages.NotAnImage(), "notes.txt", "text/plain");
        await ProblemAssert.IsProblem(response, HttpStatusCode.UnsupportedMediaType, "text/plain", "PNG", "JPEG");
    }

    [Fact]
    public async Task Bytes_that_are_not_an_image_are_422()
    {
        using var response = await _client.PostImage(TestImages.NotAnImage(), "digit.png", "image/png");
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.UnprocessableEntity, "not a PNG or JPEG");
        Assert.Equal("not-an-image", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_truncated_png_is_422()
    {
        using var response = await _client.PostImage(TestImages.TruncatedPng(), "cut.png");
        await ProblemAssert.IsProblem(response, HttpStatusCode.UnprocessableEntity, "truncated");
    }

    [Fact]
    public async Task A_blank_image_is_422()
    {
        using var response = await _client.PostImage(TestImages.Blank(), "white.png");
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.UnprocessableEntity, "no digit");
        Assert.Equal("blank-image", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_decompression_bomb_is_refused_by_its_header_with_422()
    {
        using var response = await _client.PostImage(TestImages.DecompressionBomb(), "bomb.png");
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.UnprocessableEntity, "100000×100000", "limit");
        Assert.Equal("image-too-large", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_image_over_the_configured_dimensions_is_422()
    {
        var side = ServiceFixture.SmallLimits.MaxImageSide + 1;
        using var response = await _client.PostImage(TestImages.Blank(side, 10, 0), "wide.png");
        await ProblemAssert.IsProblem(response, HttpStatusCode.UnprocessableEntity, $"{side}×10", "limit");
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413()
    {
        var large = new byte[ServiceFixture.SmallLimits.MaxRequestBytes + 1];
        TestImages.MnistPng(0).CopyTo(large, 0);
        using var response = await _client.PostImage(large, "huge.png");
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.RequestEntityTooLarge, "limit", "65,536");
        Assert.Equal("body-too-large", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_413()
    {
        var large = new byte[ServiceFixture.SmallLimits.MaxRequestBytes * 2];
        TestImages.MnistPng(0).CopyTo(large, 0);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/predict") { Content = UploadForms.Image(large) };
        request.Headers.TransferEncodingChunked = true;
        using var response = await _client.SendAsync(request);
        await ProblemAssert.IsProblem(response, HttpStatusCode.RequestEntityTooLarge, "limit");
    }

    [Fact]
    public async Task More_images_than_the_batch_limit_is_400()
    {
        using var form = UploadForms.Form(Enumerable.Range(0, ServiceFixture.SmallLimits.MaxBatchImages + 1)
            .Select(i => ("images", TestImages.MnistPng(i), $"{i}.png", (string?)"image/png")).ToArray());
        using var response = await _client.PostAsync("/predict/batch", form);
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest,
            $"{ServiceFixture.SmallLimits.MaxBatchImages + 1} images", $"limit is {ServiceFixture.SmallLimits.MaxBatchImages}");
        Assert.Equal("too-many-images", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_empty_batch_is_400()
    {
        using var form = new MultipartFormDataContent { { new StringContent("x"), "note" } };
        using var response = await _client.PostAsync("/predict/batch", form);
        await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest, "'images'");
    }

    [Fact]
    public async Task A_multipart_type_without_boundary_is_400()
    {
        var content = new ByteArrayContent("--x\r\n"u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data");
        using var response = await _client.PostAsync("/predict", content);
        await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest, "boundary");
    }

    [Fact]
    public async Task A_malformed_multipart_body_is_400()
    {
        var content = new ByteArrayContent("--b\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\n\u0089PNG"u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=b");
        using var response = await _client.PostAsync("/predict", content);
        await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest, "multipart/form-data");
    }

    [Fact]
    public async Task An_unknown_format_is_400()
    {
        using var response = await _client.PostImage(TestImages.MnistPng(0), path: "/predict?format=gif");
        await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest, "format=gif", "png");
    }

    [Fact]
    public async Task An_unknown_address_is_a_404_problem()
    {
        using var response = await _client.GetAsync("/no/such/thing");
        await ProblemAssert.IsProblem(response, HttpStatusCode.NotFound, "/swagger");
    }

    [Fact]
    public async Task A_wrong_method_is_a_405_problem()
    {
        using var response = await _client.GetAsync("/predict");
        await ProblemAssert.IsProblem(response, HttpStatusCode.MethodNotAllowed, "GET");
    }
}
