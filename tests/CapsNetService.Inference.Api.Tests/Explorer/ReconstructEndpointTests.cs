using System.Net;
using System.Text.Json;
using SkiaSharp;

namespace CapsNetService.Inference.Api.Tests.Explorer;

/// <summary>POST /reconstruct on the real model: a digit capsule, given as 16 values and a digit or as the 10×16
/// matrix of POST /predict, is decoded (masked to that digit) to a 28×28 image.</summary>
[Collection(ServiceCollection.Name)]
public sealed class ReconstructEndpointTests(ServiceFixture service)
{
    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task The_predicted_capsule_redraws_the_reconstruction_of_predict()
    {
        foreach (var image in new[] { TestImages.MnistPng(0), TestImages.Drawing(4, SKColors.DarkBlue, SKColors.Beige) })
        {
            JsonElement predicted;
            using (var predict = await _client.PostImage(image)) predicted = await predict.ReadJson();
            int digit = predicted.GetProperty("digit").GetInt32();
            var capsule = CapsuleRequests.PredictedCapsule(predicted);

            using var response = await _client.PostJson("/reconstruct", new { digit, capsule });
            var answer = await response.ReadJson();

            Assert.Equal(digit, answer.GetProperty("digit").GetInt32());
            Assert.Equal(capsule, answer.GetProperty("capsule").Floats());
            Assert.Equal(predicted.GetProperty("probabilities")[digit].GetSingle(), answer.GetProperty("capsuleLength").GetSingle(), 3);
            var reconstruction = answer.GetProperty("reconstruction").GetString()!;
            Assert.Equal((28, 28, true), TestImages.Inspect(Convert.FromBase64String(reconstruction)));
            CapsuleRequests.SameImage(CapsuleRequests.GreyPixels(predicted.GetProperty("reconstruction").GetString()!),
                                      CapsuleRequests.GreyPixels(reconstruction), what: "/reconstruct of /predict's capsule");
            Assert.Equal(TestModels.Metadata.ModelVersion, answer.GetProperty("modelVersion").GetString());
            Assert.True(answer.GetProperty("inferenceMilliseconds").GetDouble() > 0);
        }
    }

    [Fact]
    public async Task The_10_by_16_matrix_of_predict_unchanged_gives_its_reconstruction()
    {
        JsonElement predicted;
        using (var predict = await _client.PostImage(TestImages.MnistPng(7))) predicted = await predict.ReadJson();

        // POST /predict's capsules, passed on as they came: no digit, so the longest one is decoded.
        var body = $"{{\"capsules\": {predicted.GetProperty("capsules").GetRawText()}}}";
        using var response = await _client.PostJson("/reconstruct", body);
        var answer = await response.ReadJson();

        Assert.Equal(predicted.GetProperty("digit").GetInt32(), answer.GetProperty("digit").GetInt32());
        CapsuleRequests.SameImage(CapsuleRequests.GreyPixels(predicted.GetProperty("reconstruction").GetString()!),
                                  CapsuleRequests.GreyPixels(answer.GetProperty("reconstruction").GetString()!));
    }

    [Fact]
    public async Task Moving_one_dimension_changes_the_picture()
    {
        JsonElement predicted;
        using (var predict = await _client.PostImage(TestImages.MnistPng(0))) predicted = await predict.ReadJson();
        int digit = predicted.GetProperty("digit").GetInt32();
        var capsule = CapsuleRequests.PredictedCapsule(predicted);
        var moved = capsule.ToArray();
        moved[3] += 0.5f;

        using var plain = await _client.PostJson("/reconstruct", new { digit, capsule });
        using var changed = await _client.PostJson("/reconstruct", new { digit, capsule = moved });

        var a = CapsuleRequests.GreyPixels((await plain.ReadJson()).GetProperty("reconstruction").GetString()!);
        var b = CapsuleRequests.GreyPixels((await changed.ReadJson()).GetProperty("reconstruction").GetString()!);
        Assert.True(CapsuleRequests.ChangedPixels(a, b) > 10, "moving d3 by 0.5 changed almost nothing");
    }

    [Fact]
    public async Task Format_png_returns_the_image_itself()
    {
        using var response = await _client.PostJson("/reconstruct?format=png", $"{{\"digit\": 5, \"capsule\": {CapsuleRequests.Capsule()}}}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((28, 28, true), TestImages.Inspect(await response.Content.ReadAsByteArrayAsync()));
        Assert.Equal("5", response.Headers.GetValues("X-Reconstructed-Digit").Single());
        Assert.Equal(TestModels.Metadata.ModelVersion, response.Headers.GetValues("X-Model-Version").Single());
    }

    [Fact]
    public async Task Field_names_are_case_insensitive_and_json_subtypes_are_accepted()
    {
        var content = new StringContent($"{{\"Digit\": 2, \"CAPSULE\": {CapsuleRequests.Capsule()}}}", System.Text.Encoding.UTF8,
                                        "application/vnd.capsnet+json");
        using var response = await _client.PostAsync("/reconstruct", content);
        Assert.Equal(2, (await response.ReadJson()).GetProperty("digit").GetInt32());
    }

    [Fact]
    public async Task One_capsule_is_one_decoder_call_of_one()
    {
        var before = await _client.GetStringAsync("/metrics");
        using (var response = await _client.PostJson("/reconstruct", $"{{\"digit\": 1, \"capsule\": {CapsuleRequests.Capsule()}}}"))
            response.EnsureSuccessStatusCode();
        var after = await _client.GetStringAsync("/metrics");

        foreach (var (suffix, expected) in new[] { ("_count", 1), ("_sum", 1) })
            Assert.Equal(expected, MetricsText.Value(after, InferenceMetrics.DecoderBatchSizeName + suffix)
                                   - MetricsText.Value(before, InferenceMetrics.DecoderBatchSizeName + suffix));
    }
}
