using System.Text;
using CapsNetService.Common.Imaging;
using CapsNetService.Tests;

namespace CapsNetService.Common.Tests;

/// <summary>
/// A PNG with large chunks besides its pixels is refused before decoding: libpng gathers such chunks at a cost in
/// the square of their size (an 8 MiB tEXt chunk took 3–5 s to decode, a 30 MiB one 47 s; found by the hostile-upload
/// corpus, docs/reliability.md). Real metadata of a few kilobytes still passes, and large pixel data is not counted.
/// </summary>
public sealed class PngMetadataCheckTests
{
    private readonly DigitImagePreprocessor _preprocessor = new();

    private static byte[] DigitWith(params PngForge.Chunk[] extra)
    {
        var chunks = PngForge.ReadChunks(TestImages.GreyPng(TestImages.MnistDigit(0), 28, 28));
        chunks.InsertRange(1, extra);
        return PngForge.WriteChunks(chunks);
    }

    private static PngForge.Chunk Text(int bytes) => new("tEXt", [.. Encoding.Latin1.GetBytes("Comment"), 0, .. new byte[bytes]]);

    [Fact]
    public void A_png_with_megabytes_of_text_is_refused_before_decoding()
    {
        // The message proves the refusal came from the chunk check, before libpng (whose cost for such chunks grows
        // with the square of their size) saw the file; how fast that is belongs in a benchmark, not here.
        var png = DigitWith(Text(2 * 1024 * 1024));

        var error = Assert.Throws<ImageRejectedException>(() => _preprocessor.Process(png));

        Assert.Equal(ImageRejectionReason.TooLarge, error.Reason);
        Assert.Contains("besides its pixels", error.Message);
    }

    [Fact]
    public void Many_chunks_count_together_and_unknown_or_trailing_ones_count_too()
    {
        var chunks = PngForge.ReadChunks(TestImages.GreyPng(TestImages.MnistDigit(0), 28, 28));
        chunks.Insert(1, new PngForge.Chunk("zzZz", new byte[600 * 1024]));
        chunks.Insert(chunks.Count - 1, new PngForge.Chunk("tEXt", [.. "Comment"u8, 0, .. new byte[600 * 1024]])); // after IDAT
        var error = Assert.Throws<ImageRejectedException>(() => _preprocessor.Process(PngForge.WriteChunks(chunks)));
        Assert.Equal(ImageRejectionReason.TooLarge, error.Reason);
    }

    [Fact]
    public void Ordinary_metadata_passes()
    {
        var result = _preprocessor.Process(DigitWith(Text(16 * 1024), new PngForge.Chunk("zzZz", new byte[64 * 1024])));
        Assert.True(result.PassedThrough);
    }

    [Fact]
    public void Large_pixel_data_is_not_metadata()
    {
        // 2048×2048 noise: megabytes of IDAT, a few bytes of anything else.
        var noise = new byte[2048 * 2048];
        new Random(5).NextBytes(noise);
        var png = TestImages.GreyPng(noise, 2048, 2048);
        Assert.True(png.Length > 2 * 1024 * 1024);
        _ = _preprocessor.Process(png);
    }

    [Fact]
    public void The_limit_is_a_preprocessing_limit()
    {
        var strict = new DigitImagePreprocessor(new PreprocessingLimits { MaxPngMetadataBytes = 1000 });
        Assert.Throws<ImageRejectedException>(() => strict.Process(DigitWith(Text(2000))));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DigitImagePreprocessor(new PreprocessingLimits { MaxPngMetadataBytes = -1 }));
    }

    /// <summary>A PNG signature followed by random bytes was refused as "image too large" (the random words were read
    /// as chunk lengths of metadata); it is not an image.</summary>
    [Fact]
    public void A_png_signature_followed_by_random_bytes_is_not_an_image()
    {
        var random = new Random(20);
        for (int trial = 0; trial < 20; trial++)
        {
            var bytes = new byte[4096];
            random.NextBytes(bytes);
            PngForge.Signature.CopyTo(bytes);
            var error = Assert.Throws<ImageRejectedException>(() => _preprocessor.Process(bytes));
            Assert.Equal(ImageRejectionReason.NotAnImage, error.Reason);
        }
    }
}
