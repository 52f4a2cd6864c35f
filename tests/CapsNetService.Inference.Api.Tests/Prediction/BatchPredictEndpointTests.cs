using System.Net;

namespace CapsNetService.Inference.Api.Tests.Prediction;

/// <summary>POST /predict/batch: one result per image, in order, from one ONNX Runtime call.</summary>
[Collection(ServiceCollection.Name)]
public sealed class BatchPredictEndpointTests(ServiceFixture service)
{
    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task Results_come_back_in_request_order_from_one_model_call()
    {
        var before = await _client.GetStringAsync("/metrics");
        var single = new List<int>();
        for (int i = 0; i < 5; i++)
        {
            using var one = await _client.PostImage(TestImages.MnistPng(i));
            single.Add((await one.ReadJson()).GetProperty("digit").GetInt32());
        }
        var afterSingles = await _client.GetStringAsync("/metrics");

        using var form = UploadForms.Form(Enumerable.Range(0, 5)
            .Select(i => ("images", TestImages.MnistPng(i), $"digit-{i}.png", (string?)"image/png")).ToArray());
        using var response = await _client.PostAsync("/predict/batch", form);
        var answer = await response.ReadJson();
        var after = await _client.GetStringAsync("/metrics");

        Assert.Equal(5, answer.GetProperty("count").GetInt32());
        Assert.Equal(TestModels.Metadata.ModelVersion, answer.GetProperty("modelVersion").GetString());
        var results = answer.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(5, results.Length);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(i, results[i].GetProperty("index").GetInt32());
            Assert.Equal($"digit-{i}.png", results[i].GetProperty("fileName").GetString());
            // Batching does not change an image's answer.
            Assert.Equal(single[i], results[i].GetProperty("digit").GetInt32());
            Assert.Equal(10, results[i].GetProperty("probabilities").GetArrayLength());
            Assert.Equal(10, results[i].GetProperty("capsules").GetArrayLength());
        }

        const string count = InferenceMetrics.BatchSizeName + "_count", sum = InferenceMetrics.BatchSizeName + "_sum";
        Assert.Equal(5, MetricsText.Value(afterSingles, count) - MetricsText.Value(before, count));
        Assert.Equal(1, MetricsText.Value(after, count) - MetricsText.Value(afterSingles, count));
        Assert.Equal(5, MetricsText.Value(after, sum) - MetricsText.Value(afterSingles, sum));
    }

    [Fact]
    public async Task Image_and_images_array_fields_are_accepted_together()
    {
        using var form = UploadForms.Form(
            ("image", TestImages.MnistPng(0), "a.png", "image/png"),
            ("images[]", TestImages.MnistPng(1), "b.png", "image/png"),
            ("images", TestImages.MnistPng(2), "c.png", "image/png"));
        using var response = await _client.PostAsync("/predict/batch", form);
        var answer = await response.ReadJson();

        Assert.Equal(new[] { "a.png", "b.png", "c.png" },
            answer.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("fileName").GetString()!).ToArray());
    }

    [Fact]
    public async Task Hundred_MNIST_test_digits_are_recognised_in_batches()
    {
        const int total = 100, batch = 50;
        int right = 0;
        for (int start = 0; start < total; start += batch)
        {
            using var form = UploadForms.Form(Enumerable.Range(start, batch)
                .Select(i => ("images", TestImages.MnistPng(i), $"{i}.png", (string?)"image/png")).ToArray());
            using var response = await _client.PostAsync("/predict/batch", form);
            var results = (await response.ReadJson()).GetProperty("results").EnumerateArray().ToArray();
            Assert.Equal(batch, results.Length);
            for (int k = 0; k < batch; k++)
                if (results[k].GetProperty("digit").GetInt32() == TestImages.Label(start + k)) right++;
        }
        if (TestModels.IsTrained)
            Assert.True(right >= 97, $"only {right} of {total} MNIST test digits recognised");
    }

    [Fact]
    public async Task A_refused_image_fails_the_batch_and_is_named()
    {
        using var form = UploadForms.Form(
            ("images", TestImages.MnistPng(0), "good.png", "image/png"),
            ("images", TestImages.Blank(), "empty-page.png", "image/png"));
        using var response = await _client.PostAsync("/predict/batch", form);

        await ProblemAssert.IsProblem(response, HttpStatusCode.UnprocessableEntity, "Image 2", "empty-page.png", "no digit");
    }
}
