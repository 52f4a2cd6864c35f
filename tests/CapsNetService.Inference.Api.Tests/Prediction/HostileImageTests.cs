using System.Net;

namespace CapsNetService.Inference.Api.Tests.Prediction;

/// <summary>
/// Regression found by the hostile-upload corpus (docs/reliability.md): a real digit PNG carrying one large
/// non-pixel chunk kept a core busy for seconds (8 MiB: 3–5 s; 30 MiB: 47 s, past the corpus's 30 s timeout) while
/// libpng gathered the chunk; it is now refused with 422 before decoding.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class HostileImageTests(ServiceFixture service)
{
    [Fact]
    public async Task A_png_with_an_8_MiB_text_chunk_is_422_before_decoding()
    {
        var digit = TestImages.MnistPng(7);
        // Signature (8) + IHDR chunk (25), then a tEXt chunk of 8 MiB (CRC left wrong: the refusal comes before any check of it).
        var text = new byte[8 + 4 + 4 + 8 * 1024 * 1024 + 4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(text.AsSpan(8), 8 * 1024 * 1024);
        "tEXt"u8.CopyTo(text.AsSpan(12));
        byte[] png = [.. digit[..33], .. text[8..], .. digit[33..]];

        using var response = await service.Client.PostImage(png, "metadata.png");
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.UnprocessableEntity, "besides its pixels");

        Assert.Equal("image-too-large", problem.GetProperty("code").GetString());   // refused by the chunk check, before decoding
    }
}
