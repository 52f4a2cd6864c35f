using System.Text.Json;

namespace CapsNetService.Inference.Api.Tests.Hosting;

/// <summary>The OpenAPI document lists the endpoints, with the multipart upload that Swagger UI turns into a file picker.</summary>
[Collection(ServiceCollection.Name)]
public sealed class SwaggerDocumentTests(ServiceFixture service)
{
    [Fact]
    public async Task Lists_the_endpoints()
    {
        var document = await service.Client.GetJson("/swagger/v1/swagger.json");
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/predict", "/predict/batch", "/predict/overlapping", "/model", "/health/live", "/health/ready" })
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is not in the OpenAPI document");
    }

    [Fact]
    public async Task Predict_takes_a_binary_image_field_as_multipart()
    {
        var document = await service.Client.GetJson("/swagger/v1/swagger.json");
        var operation = document.GetProperty("paths").GetProperty("/predict").GetProperty("post");

        var form = operation.GetProperty("requestBody").GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema");
        var image = form.GetProperty("properties").GetProperty("image");
        Assert.Equal("string", image.GetProperty("type").GetString());
        Assert.Equal("binary", image.GetProperty("format").GetString());
        Assert.Contains("image", form.GetProperty("required").EnumerateArray().Select(e => e.GetString()));

        var responses = operation.GetProperty("responses");
        var ok = responses.GetProperty("200").GetProperty("content");
        Assert.EndsWith("/PredictionResponse", ok.GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.Equal("binary", ok.GetProperty("image/png").GetProperty("schema").GetProperty("format").GetString());
        foreach (var status in new[] { "400", "413", "415", "422", "503" })
            Assert.True(responses.GetProperty(status).GetProperty("content").TryGetProperty("application/problem+json", out _), status);

        var schema = document.GetProperty("components").GetProperty("schemas").GetProperty("PredictionResponse");
        Assert.Equal(7, schema.GetProperty("properties").GetProperty("digit").GetProperty("example").GetInt32());
    }

    [Fact]
    public async Task Overlapping_takes_a_binary_image_of_two_digits_and_documents_its_answer_and_problems()
    {
        var document = await service.Client.GetJson("/swagger/v1/swagger.json");
        var operation = document.GetProperty("paths").GetProperty("/predict/overlapping").GetProperty("post");
        Assert.Contains("overlapping", operation.GetProperty("description").GetString());

        var form = operation.GetProperty("requestBody").GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema");
        var image = form.GetProperty("properties").GetProperty("image");
        Assert.Equal("binary", image.GetProperty("format").GetString());
        Assert.Contains("two overlapping digits", image.GetProperty("description").GetString());

        var responses = operation.GetProperty("responses");
        Assert.EndsWith("/OverlappingPredictionResponse",
            responses.GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        foreach (var status in new[] { "400", "413", "415", "422", "503" })
            Assert.True(responses.GetProperty(status).GetProperty("content").TryGetProperty("application/problem+json", out _), status);

        var schema = document.GetProperty("components").GetProperty("schemas").GetProperty("OverlappingPredictionResponse").GetProperty("properties");
        foreach (var field in new[] { "digits", "probabilities", "reconstructions", "overlay", "modelVersion" })
            Assert.True(schema.TryGetProperty(field, out _), field);
    }

    [Fact]
    public async Task Batch_takes_an_array_of_binary_images()
    {
        var document = await service.Client.GetJson("/swagger/v1/swagger.json");
        var images = document.GetProperty("paths").GetProperty("/predict/batch").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema").GetProperty("properties").GetProperty("images");
        Assert.Equal("array", images.GetProperty("type").GetString());
        Assert.Equal("binary", images.GetProperty("items").GetProperty("format").GetString());
    }

    [Fact]
    public async Task Swagger_UI_is_served()
    {
        using var response = await service.Client.GetAsync("/swagger/index.html");
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("swagger-ui", await response.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.Object, (await service.Client.GetJson("/swagger/v1/swagger.json")).ValueKind);
    }
}
