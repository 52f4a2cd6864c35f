using System.Globalization;
using System.Text;
using System.Text.Json;
using SkiaSharp;

namespace CapsNetService.Inference.Api.Tests.Support;

/// <summary>JSON capsule requests for POST /reconstruct and POST /explore, and the pixels of the PNGs they answer with.</summary>
public static class CapsuleRequests
{
    public static Task<HttpResponseMessage> PostJson(this HttpClient client, string path, string json) =>
        client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> PostJson(this HttpClient client, string path, object body) =>
        client.PostJson(path, JsonSerializer.Serialize(body));

    /// <summary>A 16-value JSON array (invariant culture) with <paramref name="last"/> written verbatim as the last value.</summary>
    public static string Capsule(string last = "0") =>
        "[" + string.Join(", ", Enumerable.Repeat("0.1", 15)) + ", " + last + "]";

    /// <summary>The predicted digit's capsule in a POST /predict answer.</summary>
    public static float[] PredictedCapsule(JsonElement prediction) =>
        prediction.GetProperty("capsules")[prediction.GetProperty("digit").GetInt32()].Floats();

    /// <summary>Decodes a PNG with SkiaSharp into 8-bit grey levels, row-major.</summary>
    public static (int Width, int Height, byte[] Grey) GreyPixels(byte[] png)
    {
        using var codec = SKCodec.Create(new SKMemoryStream(png)) ?? throw new InvalidDataException("not a decodable image");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Gray8, SKAlphaType.Opaque);
        var grey = new byte[info.BytesSize];
        var result = codec.GetPixels(info, grey);
        if (result != SKCodecResult.Success) throw new InvalidDataException($"SkiaSharp could not decode the PNG: {result}");
        return (info.Width, info.Height, grey);
    }

    public static byte[] GreyPixels(string base64Png) => GreyPixels(Convert.FromBase64String(base64Png)).Grey;

    /// <summary>The two images differ by at most <paramref name="levels"/> grey levels (of 255) anywhere.</summary>
    public static void SameImage(byte[] expected, byte[] actual, int levels = 1, string what = "image")
    {
        Assert.Equal(expected.Length, actual.Length);
        int worst = 0, at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            int difference = Math.Abs(expected[i] - actual[i]);
            if (difference > worst) (worst, at) = (difference, i);
        }
        Assert.True(worst <= levels,
            $"{what}: pixel {at} differs by {worst} grey levels (allowed {levels.ToString(CultureInfo.InvariantCulture)})");
    }

    /// <summary>How many pixels differ by more than one grey level.</summary>
    public static int ChangedPixels(byte[] a, byte[] b) => a.Zip(b).Count(p => Math.Abs(p.First - p.Second) > 1);
}
