using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace CapsNetService.Inference.Api.Tests.Explorer;

/// <summary>
/// Every bad request to POST /reconstruct and POST /explore gets its 4xx as application/problem+json, with a stable
/// code and a detail that names what was wrong (see <see cref="ProblemAssert"/>). 400: the request does not have the
/// documented shape; 422: a capsule value the decoder cannot meaningfully take (NaN, ±Infinity, beyond ±2);
/// 415: another body type; 413: a body over 64 KiB. An image sent to /explore meets /predict's rules.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class ExploreProblemTests(ServiceFixture service)
{
    private static readonly string Sixteen = CapsuleRequests.Capsule();

    private readonly HttpClient _client = service.Client;

    public static TheoryData<string, string, int, string, string[]> BadBodies() => new()
    {
        // wrong length
        { "/reconstruct", """{"digit": 7, "capsule": [0.1, 0.2, 0.3]}""", 400, "invalid-capsule", ["'capsule' has 3 values", "16"] },
        { "/explore", $$"""{"digit": 7, "capsule": [{{string.Join(",", Enumerable.Repeat("0", 17))}}]}""", 400, "invalid-capsule", ["17 values"] },
        { "/reconstruct", """{"capsules": [[0.1]]}""", 400, "invalid-capsule", ["1 row", "10"] },
        { "/explore", $$"""{"capsules": [{{string.Join(",", Enumerable.Repeat(Sixteen, 9))}}, [0, 0]]}""", 400, "invalid-capsule", ["capsules[9]", "2 values"] },
        { "/reconstruct", """{"digit": 7, "capsule": "0.1, 0.2"}""", 400, "invalid-capsule", ["'capsule' is the string", "array of 16 numbers"] },
        // not numbers
        { "/reconstruct", $$"""{"digit": 7, "capsule": {{CapsuleRequests.Capsule("null")}}}""", 400, "invalid-capsule", ["capsule[15] is null", "NaN"] },
        { "/reconstruct", $$"""{"digit": 7, "capsule": {{CapsuleRequests.Capsule("\"0.5\"")}}}""", 400, "invalid-capsule", ["capsule[15]", "string", "numbers"] },
        // NaN, Infinity and huge values: 422
        { "/reconstruct", $$"""{"digit": 7, "capsule": {{CapsuleRequests.Capsule("\"NaN\"")}}}""", 422, "capsule-out-of-range", ["capsule[15] is NaN", "finite"] },
        { "/explore", $$"""{"digit": 7, "capsule": {{CapsuleRequests.Capsule("\"-Infinity\"")}}}""", 422, "capsule-out-of-range", ["-Infinity", "finite"] },
        { "/reconstruct", $$"""{"digit": 7, "capsule": {{CapsuleRequests.Capsule("1e400")}}}""", 422, "capsule-out-of-range", ["capsule[15] is 1e400", "±2"] },
        { "/reconstruct", $$"""{"digit": 7, "capsule": {{CapsuleRequests.Capsule("50")}}}""", 422, "capsule-out-of-range", ["capsule[15] is 50", "±2"] },
        { "/explore", $$"""{"digit": 7, "capsule": {{CapsuleRequests.Capsule("-2.01")}}}""", 422, "capsule-out-of-range", ["-2.01", "±2"] },
        { "/explore", $$"""{"capsules": [{{string.Join(",", Enumerable.Repeat(Sixteen, 9))}}, {{CapsuleRequests.Capsule("1e6")}}]}""", 422, "capsule-out-of-range", ["capsules[9][15] is 1e6"] },
        // a bare NaN is not JSON at all
        { "/reconstruct", $$"""{"digit": 7, "capsule": {{CapsuleRequests.Capsule("NaN")}}}""", 400, "malformed-json", ["not valid JSON", "NaN"] },
        // digits
        { "/reconstruct", $$"""{"digit": 10, "capsule": {{Sixteen}}}""", 400, "invalid-digit", ["digit is 10", "0 to 9"] },
        { "/explore", $$"""{"digit": -1, "capsule": {{Sixteen}}}""", 400, "invalid-digit", ["digit is -1"] },
        { "/reconstruct", $$"""{"digit": 2.5, "capsule": {{Sixteen}}}""", 400, "invalid-digit", ["2.5", "integer"] },
        { "/reconstruct", $$"""{"digit": "7", "capsule": {{Sixteen}}}""", 400, "invalid-digit", ["string", "integer"] },
        { "/explore", $$"""{"capsule": {{Sixteen}}}""", 400, "invalid-digit", ["digit is missing"] },
        { "/reconstruct", $$"""{"capsules": [{{string.Join(",", Enumerable.Repeat(Sixteen, 10))}}], "digit": 12}""", 400, "invalid-digit", ["12"] },
        // the body's shape
        { "/reconstruct", """{"digit": 7, "capsule": [0.1,""", 400, "malformed-json", ["not valid JSON", "line 1"] },
        { "/reconstruct", "", 400, "malformed-json", ["empty"] },
        { "/explore", "[0.1, 0.2]", 400, "malformed-json", ["array, not an object"] },
        { "/reconstruct", $$"""{"digit": 7, "digit": 8, "capsule": {{Sixteen}}}""", 400, "malformed-json", ["'digit' appears more than once"] },
        { "/reconstruct", """{"digit": 7}""", 400, "invalid-capsule", ["no capsule"] },
        { "/reconstruct", $$"""{"digit": 7, "capsule": {{Sixteen}}, "capsules": []}""", 400, "invalid-capsule", ["both"] },
        { "/reconstruct", $$"""{"digit": 7, "capsul": {{Sixteen}}}""", 400, "unknown-field", ["'capsul'", "'capsule'"] },
        { "/reconstruct", $$"""{"digit": 7, "capsule": {{Sixteen}}, "steps": 5}""", 400, "unknown-field", ["'steps'"] },
        // steps and range in the body
        { "/explore", $$"""{"digit": 7, "capsule": {{Sixteen}}, "steps": 1}""", 400, "invalid-option", ["steps is 1", "2 to 21"] },
        { "/explore", $$"""{"digit": 7, "capsule": {{Sixteen}}, "steps": 22}""", 400, "invalid-option", ["steps is 22"] },
        { "/explore", $$"""{"digit": 7, "capsule": {{Sixteen}}, "steps": 5.5}""", 400, "invalid-option", ["5.5", "integer"] },
        { "/explore", $$"""{"digit": 7, "capsule": {{Sixteen}}, "range": 0}""", 400, "invalid-option", ["range is 0", "above 0"] },
        { "/explore", $$"""{"digit": 7, "capsule": {{Sixteen}}, "range": -0.25}""", 400, "invalid-option", ["range is -0.25"] },
        { "/explore", $$"""{"digit": 7, "capsule": {{Sixteen}}, "range": 1.5}""", 400, "invalid-option", ["range is 1.5", "at most 1"] },
        { "/explore", $$"""{"digit": 7, "capsule": {{Sixteen}}, "range": "wide"}""", 400, "invalid-option", ["range is the string"] },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_bad_json_body_gets_its_problem(string path, string body, int status, string code, string[] mentions)
    {
        using var response = await _client.PostJson(path, body);
        var problem = await ProblemAssert.IsProblem(response, (HttpStatusCode)status, mentions);
        Assert.Equal(code, problem.GetProperty("code").GetString());
    }

    /// <summary>Bytes that are not UTF-8, or a lone surrogate escape, in a key or in any field's text: 400, never a 500
    /// (the parser lets both through; turning them into .NET strings threw).</summary>
    [Theory]
    [InlineData("/reconstruct", "{\"\xff\":1}", "UTF-8")]
    [InlineData("/explore", "{\"digit\":1,\"capsule\":\"\\ud800\"}", "surrogate")]
    [InlineData("/reconstruct", "{\"\\udc00\":1}", "surrogate")]
    [InlineData("/reconstruct", "{\"digit\":\"\xc3\x28\",\"capsule\":[]}", "UTF-8")]
    [InlineData("/explore", "{\"digit\":1,\"capsules\":\"\\udfff\"}", "surrogate")]
    [InlineData("/explore", "{\"digit\":1,\"capsule\":[0],\"range\":\"\\ud83d\"}", "surrogate")]
    [InlineData("/explore", "{\"digit\":1,\"capsule\":[0],\"steps\":\"\xed\xa0\x80\"}", "UTF-8")]
    public async Task Text_that_is_not_unicode_is_400_malformed_json(string path, string latin1Body, string mention)
    {
        // The test data is written one character per byte (Latin-1), so that invalid UTF-8 can be spelt out.
        var content = new ByteArrayContent(Encoding.Latin1.GetBytes(latin1Body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _client.PostAsync(path, content);
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest, mention);
        Assert.Equal("malformed-json", problem.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("/explore?steps=1", false, "steps is 1")]
    [InlineData("/explore?steps=30", false, "steps is 30")]
    [InlineData("/explore?steps=eleven", false, "'eleven', not an integer")]
    [InlineData("/explore?range=0", false, "range is 0")]
    [InlineData("/explore?range=2", false, "range is 2")]
    [InlineData("/explore?range=NaN", false, "'NaN', not a number")]
    [InlineData("/explore?steps=5", true, "steps is given both in the query and in the body")]
    public async Task Bad_steps_or_range_in_the_query_are_400(string path, bool stepsInBody, string mention)
    {
        var steps = stepsInBody ? ", \"steps\": 5" : "";
        using var response = await _client.PostJson(path, $$"""{"digit": 7, "capsule": {{Sixteen}}{{steps}}}""");
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest, mention);
        Assert.Equal("invalid-option", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Bad_steps_as_a_form_field_are_400_before_any_inference()
    {
        using var form = UploadForms.Image(TestImages.MnistPng(0));
        form.Add(new StringContent("0"), "steps");
        using var response = await _client.PostAsync("/explore", form);
        await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest, "steps is 0");
    }

    [Theory]
    [InlineData("/explore?format=gif", "format=gif", "perturbation grid")]
    [InlineData("/reconstruct?format=jpeg", "format=jpeg", "reconstruction")]
    public async Task An_unknown_format_is_400(string path, string mention, string pngMeans)
    {
        using var response = await _client.PostJson(path, $$"""{"digit": 7, "capsule": {{Sixteen}}}""");
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest, mention, pngMeans);
        Assert.Equal("unknown-format", problem.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("/reconstruct", "text/plain", "application/json")]
    [InlineData("/reconstruct", "multipart/form-data; boundary=x", "application/json")]
    [InlineData("/explore", "application/x-www-form-urlencoded", "multipart/form-data")]
    [InlineData("/explore", "image/png", "application/json")]
    public async Task Another_body_type_is_415(string path, string contentType, string mention)
    {
        var content = new ByteArrayContent("digit=7"u8.ToArray());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await _client.PostAsync(path, content);
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.UnsupportedMediaType, contentType.Split(';')[0], mention);
        Assert.Equal("unsupported-media-type", problem.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("/reconstruct")]
    [InlineData("/explore")]
    public async Task A_body_without_content_type_is_415(string path)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes($$"""{"digit": 7, "capsule": {{Sixteen}}}"""));
        content.Headers.ContentType = null;
        using var response = await _client.PostAsync(path, content);
        await ProblemAssert.IsProblem(response, HttpStatusCode.UnsupportedMediaType, "no Content-Type");
    }

    [Fact]
    public async Task A_json_body_over_64_KiB_is_413()
    {
        var padding = new string(' ', 70 * 1024);
        using var response = await _client.PostJson("/reconstruct", $$"""{"digit": 7, {{padding}} "capsule": {{Sixteen}}}""");
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.RequestEntityTooLarge, "65,536 bytes");
        Assert.Equal("body-too-large", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_image_for_explore_meets_the_rules_of_predict()
    {
        using (var blank = await _client.PostImage(TestImages.Blank(), "blank.png", path: "/explore"))
            Assert.Equal("blank-image", (await ProblemAssert.IsProblem(blank, HttpStatusCode.UnprocessableEntity, "blank.png")).GetProperty("code").GetString());
        using (var text = await _client.PostImage(TestImages.NotAnImage(), "notes.png", path: "/explore"))
            Assert.Equal("not-an-image", (await ProblemAssert.IsProblem(text, HttpStatusCode.UnprocessableEntity, "notes.png")).GetProperty("code").GetString());
        using (var bomb = await _client.PostImage(TestImages.DecompressionBomb(), "bomb.png", path: "/explore"))
            Assert.Equal("image-too-large", (await ProblemAssert.IsProblem(bomb, HttpStatusCode.UnprocessableEntity)).GetProperty("code").GetString());
        using (var empty = await _client.PostImage([], "nothing.png", path: "/explore"))
            await ProblemAssert.IsProblem(empty, HttpStatusCode.BadRequest, "empty");
        using (var gif = await _client.PostImage(TestImages.MnistPng(0), "a.gif", "image/gif", path: "/explore"))
            await ProblemAssert.IsProblem(gif, HttpStatusCode.UnsupportedMediaType, "image/gif");
        using (var missing = await _client.PostAsync("/explore", UploadForms.Form(("picture", TestImages.MnistPng(0), "a.png", "image/png"))))
            Assert.Equal("missing-image", (await ProblemAssert.IsProblem(missing, HttpStatusCode.BadRequest, "'image'")).GetProperty("code").GetString());
        using (var two = await _client.PostAsync("/explore", UploadForms.Form(("image", TestImages.MnistPng(0), "a.png", "image/png"),
                                                                               ("image", TestImages.MnistPng(1), "b.png", "image/png"))))
            await ProblemAssert.IsProblem(two, HttpStatusCode.BadRequest, "POST /explore takes one image");
    }

    [Fact]
    public async Task Wrong_methods_and_addresses_are_problems_too()
    {
        using (var get = await _client.GetAsync("/explore")) await ProblemAssert.IsProblem(get, HttpStatusCode.MethodNotAllowed);
        using (var get = await _client.GetAsync("/reconstruct")) await ProblemAssert.IsProblem(get, HttpStatusCode.MethodNotAllowed);
    }

    /// <summary>A Content-Type sent twice was described as "multipart/form-data" in a refusal saying the endpoint takes
    /// multipart/form-data.</summary>
    [Fact]
    public async Task A_content_type_sent_twice_is_415_saying_it_cannot_be_parsed()
    {
        var content = new ByteArrayContent(Encoding.ASCII.GetBytes("--b\r\n"));
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=b");
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        using var response = await _client.PostAsync("/explore", content);
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.UnsupportedMediaType, "cannot be parsed", "application/json");
        Assert.Equal("unsupported-media-type", problem.GetProperty("code").GetString());
        Assert.DoesNotContain("The request body is multipart", problem.GetProperty("detail").GetString());
    }
}
