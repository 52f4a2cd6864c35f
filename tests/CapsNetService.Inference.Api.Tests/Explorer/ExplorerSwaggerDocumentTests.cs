using System.Text.Json;

namespace CapsNetService.Inference.Api.Tests.Explorer;

/// <summary>The OpenAPI document describes POST /explore and POST /reconstruct: the JSON capsule body with its schema
/// and examples (and, for /explore, the image form), the typed options, the JSON and PNG answers, the problems.</summary>
[Collection(ServiceCollection.Name)]
public sealed class ExplorerSwaggerDocumentTests(ServiceFixture service)
{
    [Fact]
    public async Task Explore_takes_an_image_form_or_a_json_capsule_with_steps_and_range()
    {
        var document = await service.Client.GetJson("/swagger/v1/swagger.json");
        var operation = document.GetProperty("paths").GetProperty("/explore").GetProperty("post");
        var content = operation.GetProperty("requestBody").GetProperty("content");

        var form = content.GetProperty("multipart/form-data").GetProperty("schema").GetProperty("properties");
        Assert.Equal("binary", form.GetProperty("image").GetProperty("format").GetString());
        Assert.Equal("integer", form.GetProperty("steps").GetProperty("type").GetString());

        var json = content.GetProperty("application/json");
        Assert.EndsWith("/ExploreRequest", json.GetProperty("schema").GetProperty("$ref").GetString());
        var example = json.GetProperty("examples").GetProperty("capsule").GetProperty("value");
        Assert.Equal(16, example.GetProperty("capsule").GetArrayLength());
        Assert.Equal(10, json.GetProperty("examples").GetProperty("capsules").GetProperty("value").GetProperty("capsules").GetArrayLength());

        var parameters = operation.GetProperty("parameters").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("schema"));
        Assert.Equal((2, 21, 11), (parameters["steps"].GetProperty("minimum").GetInt32(), parameters["steps"].GetProperty("maximum").GetInt32(),
                                   parameters["steps"].GetProperty("default").GetInt32()));
        Assert.Equal(0.25, parameters["range"].GetProperty("default").GetDouble());
        Assert.Equal(["json", "png"], parameters["format"].GetProperty("enum").EnumerateArray().Select(e => e.GetString()));

        AssertAnswers(operation, "ExploreResponse", "grid");
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var request = schemas.GetProperty("ExploreRequest").GetProperty("properties");
        foreach (var field in new[] { "digit", "capsule", "capsules", "steps", "range" })
            Assert.True(request.TryGetProperty(field, out _), $"ExploreRequest lacks {field}");
        Assert.Equal(16, request.GetProperty("capsule").GetProperty("example").GetArrayLength());
        Assert.Equal(16, request.GetProperty("capsule").GetProperty("maxItems").GetInt32());
        Assert.True(schemas.GetProperty("ExploreResponse").GetProperty("properties").TryGetProperty("dimensions", out _));
        Assert.Equal(11, schemas.GetProperty("ExploreResponse").GetProperty("properties").GetProperty("offsets").GetProperty("example").GetArrayLength());
    }

    [Fact]
    public async Task Reconstruct_takes_a_json_capsule()
    {
        var document = await service.Client.GetJson("/swagger/v1/swagger.json");
        var operation = document.GetProperty("paths").GetProperty("/reconstruct").GetProperty("post");
        var content = operation.GetProperty("requestBody").GetProperty("content");

        Assert.Equal(["application/json"], content.EnumerateObject().Select(p => p.Name));
        Assert.EndsWith("/ReconstructRequest", content.GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.Equal(7, content.GetProperty("application/json").GetProperty("examples").GetProperty("capsule").GetProperty("value")
                               .GetProperty("digit").GetInt32());
        AssertAnswers(operation, "ReconstructResponse", "reconstruction");
        var request = document.GetProperty("components").GetProperty("schemas").GetProperty("ReconstructRequest").GetProperty("properties");
        Assert.False(request.TryGetProperty("steps", out _));
        Assert.Equal(9, request.GetProperty("digit").GetProperty("maximum").GetInt32());
    }

    private static void AssertAnswers(JsonElement operation, string schema, string pngMentions)
    {
        var responses = operation.GetProperty("responses");
        var ok = responses.GetProperty("200").GetProperty("content");
        Assert.EndsWith("/" + schema, ok.GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        var png = ok.GetProperty("image/png").GetProperty("schema");
        Assert.Equal("binary", png.GetProperty("format").GetString());
        Assert.Contains(pngMentions, png.GetProperty("description").GetString());
        foreach (var status in new[] { "400", "413", "415", "422", "503" })
            Assert.True(responses.GetProperty(status).GetProperty("content").TryGetProperty("application/problem+json", out _), status);
    }
}
