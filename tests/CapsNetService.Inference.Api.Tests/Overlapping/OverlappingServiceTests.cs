using System.Net;
using CapsNetService.Common.MultiMnist;
using Microsoft.ML.OnnxRuntime;

namespace CapsNetService.Inference.Api.Tests.Overlapping;

/// <summary>The published service (its dll, in a process of its own) on the trained overlapping-digits model: MultiMNIST
/// test pairs made by the project's generator, posted as 36×36 PNGs, come back with both their digits.</summary>
public sealed class OverlappingServiceTests
{
    private const int Pairs = 20;

    [MultiMnistFact(Trained = true, Slow = true)]
    public async Task Generated_test_pairs_come_back_with_both_digits()
    {
        using var models = TestModels.CopyToTemporaryDirectory();
        TestModels.CopyMultiMnistTo(models.Path);
        var logPath = Path.Combine(models.Path, "service.log");
        await using var service = ServiceProcess.Start("dotnet", Path.Combine(AppContext.BaseDirectory, "capsnet-api.dll"),
            models.Path, [], logPath);
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), CancellationToken.None);
        using var client = new HttpClient { BaseAddress = service.Url };
        using var session = new InferenceSession(Path.Combine(models.Path, MultiMnistContract.ModelFileName));

        var test = RealMnist.MultiMnistTest;
        int bothCorrect = 0;
        for (int i = 0; i < Pairs; i++)
        {
            var sample = test.Render(RealMnist.Test, i);
            using var response = await client.PostAsync("/predict/overlapping", UploadForms.Image(TestImages.MultiMnistPng(sample.Merged), $"pair-{i}.png"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var answer = await response.ReadJson();
            Assert.True(answer.GetProperty("preprocessing").GetProperty("passedThrough").GetBoolean());
            var digits = answer.GetProperty("digits").EnumerateArray().Select(d => d.GetInt32()).ToArray();

            // The service answers what the model says about the very pixels the generator made.
            Assert.Equal(Direct(session, sample.Merged), digits);
            if (digits.Order().SequenceEqual(new[] { (int)sample.FirstLabel, (int)sample.SecondLabel }.Order())) bothCorrect++;
        }

        // At the model's own both-correct rate, with two pairs of slack for so small a sample.
        double accuracy = TestModels.MultiMnistMetadata!.TestAccuracy;
        int required = (int)Math.Floor(accuracy * Pairs) - 2;
        Assert.True(bothCorrect >= required,
            $"{bothCorrect} of {Pairs} generated test pairs came back with both digits; the model's {accuracy:P1} asks for at least {required}");
    }

    private static int[] Direct(InferenceSession session, byte[] merged)
    {
        var input = Array.ConvertAll(merged, p => p / 255f);
        using var image = OrtValue.CreateTensorValueFromMemory(input, [1, 1, MultiMnistContract.ImageSide, MultiMnistContract.ImageSide]);
        using var run = new RunOptions();
        using var outputs = session.Run(run, [ModelContract.ImageInput], [image], [ModelContract.ProbabilitiesOutput]);
        return OverlappingApi.Longest(outputs[0].GetTensorDataAsSpan<float>().ToArray(), 2);
    }
}
