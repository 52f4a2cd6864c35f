using System.Net;
using System.Text.Json;
using CapsNetService.Common.Rejection;
using Google.Protobuf;
using Onnx;

namespace CapsNetService.Inference.Api.Tests.Prediction;

/// <summary>isDigit, confidence and reconstructionError in the answers, <c>?reject=true</c> and its not-a-digit problem,
/// and a model without calibration, on real models: the test model as it is, and copies of it whose metadata carries
/// other thresholds (or none).</summary>
[Collection(ServiceCollection.Name)]
public sealed class DigitRejectionTests(ServiceFixture service)
{
    /// <summary>Thresholds no image can meet: a capsule is never longer than 1.</summary>
    private static readonly RejectionCalibration RejectEverything = new()
    {
        MinCapsuleLength = 1.5, MaxReconstructionError = 0.05, TargetFalseRejectionRate = 0.01, LengthOnlyMinCapsuleLength = 1.5,
        CalibratedOn = "a test that wants every image refused", CalibrationSeed = 1, EvaluationSeed = 2,
        CalibratedAt = new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero), TestDigits = 1, TestFalseRejectionRate = 1,
        TestAccuracyOnAccepted = 0, LengthOnlyTestFalseRejectionRate = 1, NonDigits = 1, NonDigitRejectionRate = 1,
        LengthOnlyNonDigitRejectionRate = 1, NonDigitClasses = [new("noise", 1, 1, 1)],
    };

    [Fact]
    public async Task Every_answer_carries_isDigit_the_winning_capsule_length_and_the_reconstruction_error()
    {
        using var response = await service.Client.PostImage(TestImages.MnistPng(0), "seven.png");
        var answer = await response.ReadJson();

        var probabilities = answer.GetProperty("probabilities").Floats();
        int digit = answer.GetProperty("digit").GetInt32();
        Assert.Equal(probabilities[digit], answer.GetProperty("confidence").GetDouble(), 6);
        // The error is the MSE between the model input and the reconstruction (here from their 8-bit PNGs).
        var input = GreyPixels(answer.GetProperty("modelInput").GetString()!);
        var reconstruction = GreyPixels(answer.GetProperty("reconstruction").GetString()!);
        Assert.Equal(DigitEvidence.MeanSquaredError(input, reconstruction), answer.GetProperty("reconstructionError").GetDouble(), 3);
        Assert.Equal(JsonValueKind.True, answer.GetProperty("isDigit").ValueKind);
    }

    [Fact]
    public async Task On_the_trained_calibrated_model_a_real_digit_is_accepted_and_a_texture_refused()
    {
        if (!TestModels.IsTrained) return;   // an untrained model named by CAPSNET_TEST_MODEL_DIR reads nothing reliably
        Assert.NotNull(TestModels.Metadata.Rejection);
        var checks = new NonDigitGenerator(2, pairDigits: null).Generate(40).Where(s => s.Kind == NonDigitKind.Noise).ToList();

        using var digit = await service.Client.PostImage(TestImages.MnistPng(0), "seven.png", path: "/predict?reject=true");
        Assert.Equal(HttpStatusCode.OK, digit.StatusCode);
        Assert.True((await digit.ReadJson()).GetProperty("isDigit").GetBoolean());

        int refused = 0;
        foreach (var texture in checks)
        {
            using var response = await service.Client.PostImage(texture.Png, "texture.png", path: "/predict?reject=true");
            if (response.StatusCode == HttpStatusCode.UnprocessableEntity) refused++;
        }
        Assert.True(refused >= checks.Count * 0.9, $"{refused} of {checks.Count} textures refused");
    }

    [Fact]
    public async Task A_rejected_image_keeps_its_best_guess_and_reject_true_turns_it_into_a_not_a_digit_problem()
    {
        using var models = Variant(RejectEverything);
        using var factory = new CapsNetApiFactory(models.Path);
        using var client = factory.CreateClient();

        using (var response = await client.PostImage(TestImages.MnistPng(0), "seven.png"))
        {
            var answer = await response.ReadJson();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(answer.GetProperty("isDigit").GetBoolean());
            if (TestModels.IsTrained) Assert.Equal(TestImages.Label(0), answer.GetProperty("digit").GetInt32());
        }

        using (var response = await client.PostImage(TestImages.MnistPng(0), "seven.png", path: "/predict?reject=true"))
        {
            var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.UnprocessableEntity, "does not look like a digit", "seven.png");
            Assert.Equal("not-a-digit", problem.GetProperty("code").GetString());
        }

        using (var response = await client.PostImage(TestImages.MnistPng(0), "seven.png", path: "/predict?reject=true&format=png"))
            await ProblemAssert.IsProblem(response, HttpStatusCode.UnprocessableEntity, "does not look like a digit");

        using var batch = UploadForms.Form(("images", TestImages.MnistPng(1), "a.png", "image/png"), ("images", TestImages.MnistPng(2), "b.png", "image/png"));
        using (var response = await client.PostAsync("/predict/batch?reject=true", batch))
        {
            var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.UnprocessableEntity, "Image 1", "a.png");
            Assert.Equal("not-a-digit", problem.GetProperty("code").GetString());
        }

        using var plainBatch = UploadForms.Form(("images", TestImages.MnistPng(1), "a.png", "image/png"), ("images", TestImages.MnistPng(2), "b.png", "image/png"));
        using (var response = await client.PostAsync("/predict/batch", plainBatch))
        {
            var results = (await response.ReadJson()).GetProperty("results").EnumerateArray().ToList();
            Assert.Equal(2, results.Count);
            Assert.All(results, r => Assert.False(r.GetProperty("isDigit").GetBoolean()));
        }

        var model = await client.GetJson("/model");
        var rejection = model.GetProperty("rejection");
        Assert.Equal("calibrated", rejection.GetProperty("status").GetString());
        Assert.Equal(1.5, rejection.GetProperty("calibration").GetProperty("minCapsuleLength").GetDouble());
        Assert.Equal(0.05, model.GetProperty("metadata").GetProperty("rejection").GetProperty("maxReconstructionError").GetDouble());
    }

    [Fact]
    public async Task An_uncalibrated_model_rejects_nothing_and_says_so()
    {
        using var models = Variant(null);
        using var factory = new CapsNetApiFactory(models.Path);
        using var client = factory.CreateClient();
        var scribble = new NonDigitGenerator(4, pairDigits: null).Sample(NonDigitKind.Noise, 0).Png;

        using (var response = await client.PostImage(scribble, "noise.png", path: "/predict?reject=true"))
        {
            var answer = await response.ReadJson();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(answer.GetProperty("isDigit").GetBoolean());
            Assert.InRange(answer.GetProperty("confidence").GetDouble(), 0, 1);
            Assert.True(answer.GetProperty("reconstructionError").GetDouble() > 0);
        }

        var model = await client.GetJson("/model");
        var rejection = model.GetProperty("rejection");
        Assert.Equal("uncalibrated", rejection.GetProperty("status").GetString());
        Assert.Contains("every image", rejection.GetProperty("description").GetString());
        Assert.Equal(JsonValueKind.Null, rejection.GetProperty("calibration").ValueKind);
        Assert.True(!model.GetProperty("metadata").TryGetProperty("rejection", out var stored) || stored.ValueKind == JsonValueKind.Null);
    }

    /// <summary>A copy of the test model whose metadata carries <paramref name="calibration"/>, or no calibration.</summary>
    private static TemporaryDirectory Variant(RejectionCalibration? calibration)
    {
        var models = TestModels.CopyToTemporaryDirectory();
        foreach (var name in new[] { ModelContract.DecoderFileName, ModelContract.ModelFileName })
        {
            var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(models.Path, name)));
            var key = ModelMetadata.KeyPrefix + "rejection";
            foreach (var old in model.MetadataProps.Where(p => p.Key == key).ToList()) model.MetadataProps.Remove(old);
            if (calibration is not null)
                model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = JsonSerializer.Serialize(calibration, ModelMetadata.JsonOptions) });
            ModelVariants.Publish(models.Path, name, model.ToByteArray());
        }
        return models;
    }

    private static float[] GreyPixels(string base64Png)
    {
        using var bitmap = SkiaSharp.SKBitmap.Decode(Convert.FromBase64String(base64Png));
        var pixels = new float[ModelContract.ImagePixels];
        for (int y = 0; y < ModelContract.ImageSide; y++)
        for (int x = 0; x < ModelContract.ImageSide; x++)
            pixels[y * ModelContract.ImageSide + x] = bitmap.GetPixel(x, y).Red / 255f;
        return pixels;
    }
}
