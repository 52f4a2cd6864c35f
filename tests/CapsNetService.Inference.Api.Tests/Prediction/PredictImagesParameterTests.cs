using System.Net;
using System.Text.Json;

namespace CapsNetService.Inference.Api.Tests.Prediction;

/// <summary>?images=false on POST /predict and /predict/batch: the two PNGs are left out, everything else stays; by
/// default (and with images=true) the answer is as it always was; a value that is not a boolean is a 400 problem.</summary>
[Collection(ServiceCollection.Name)]
public sealed class PredictImagesParameterTests(ServiceFixture service)
{
    private static readonly string[] ImageFields = ["reconstruction", "modelInput"];
    private readonly HttpClient _client = service.Client;

    [Theory]
    [InlineData("/predict")]
    [InlineData("/predict?images=true")]
    public async Task By_default_the_answer_carries_both_pngs(string path)
    {
        using var response = await _client.PostImage(TestImages.MnistPng(0), path: path);
        var answer = await response.ReadJson();
        foreach (var field in ImageFields)
            Assert.Equal((28, 28, true), TestImages.Inspect(Convert.FromBase64String(answer.GetProperty(field).GetString()!)));
    }

    [Fact]
    public async Task Images_false_leaves_out_the_pngs_and_nothing_else()
    {
        using var full = await _client.PostImage(TestImages.MnistPng(3), path: "/predict");
        using var lean = await _client.PostImage(TestImages.MnistPng(3), path: "/predict?images=false");
        var withImages = await full.ReadJson();
        var without = await lean.ReadJson();

        foreach (var field in ImageFields) Assert.False(without.TryGetProperty(field, out _), $"{field} should be absent");
        var expected = withImages.EnumerateObject().Select(p => p.Name).Where(n => !ImageFields.Contains(n)).Order().ToArray();
        Assert.Equal(expected, without.EnumerateObject().Select(p => p.Name).Order().ToArray());
        Assert.Equal(withImages.GetProperty("digit").GetInt32(), without.GetProperty("digit").GetInt32());
        Assert.Equal(withImages.GetProperty("probabilities").Floats(), without.GetProperty("probabilities").Floats());
        Assert.Equal(TestModels.Metadata.ModelVersion, lean.Headers.GetValues("X-Model-Version").Single());
    }

    [Fact]
    public async Task Images_false_applies_to_each_result_of_a_batch()
    {
        using var form = UploadForms.Form(("images", TestImages.MnistPng(0), "a.png", "image/png"), ("images", TestImages.MnistPng(1), "b.png", "image/png"));
        using var response = await _client.PostAsync("/predict/batch?images=false", form);
        var answer = await response.ReadJson();
        var results = answer.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(2, results.Length);
        Assert.All(results, r => Assert.All(ImageFields, f => Assert.False(r.TryGetProperty(f, out _))));
        Assert.All(results, r => Assert.Equal(10, r.GetProperty("probabilities").GetArrayLength()));
    }

    [Fact]
    public async Task A_value_that_is_not_a_boolean_is_a_400_problem()
    {
        using var response = await _client.PostImage(TestImages.MnistPng(0), path: "/predict?images=sometimes");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Swagger_documents_the_parameter_and_the_fields_as_optional()
    {
        var document = await _client.GetJson("/swagger/v1/swagger.json");
        foreach (var path in new[] { "/predict", "/predict/batch" })
        {
            var parameter = document.GetProperty("paths").GetProperty(path).GetProperty("post").GetProperty("parameters")
                .EnumerateArray().Single(p => p.GetProperty("name").GetString() == "images");
            Assert.Equal("query", parameter.GetProperty("in").GetString());
            Assert.Equal("boolean", parameter.GetProperty("schema").GetProperty("type").GetString());
            Assert.True(parameter.GetProperty("schema").GetProperty("default").GetBoolean());
            Assert.Contains("reconstruction", parameter.GetProperty("description").GetString());
        }
        var schema = document.GetProperty("components").GetProperty("schemas").GetProperty("PredictionResponse");
        var required = schema.TryGetProperty("required", out var list) ? list.EnumerateArray().Select(e => e.GetString()).ToArray() : [];
        Assert.Contains("digit", required);
        Assert.DoesNotContain("reconstruction", required);
        Assert.DoesNotContain("modelInput", required);
    }
}
