using CapsNetService.Common.Imaging;
using SkiaSharp;
using CapsNetService.Tests;

namespace CapsNetService.Common.Tests;

public sealed class DigitImagePreprocessorTests
{
    private static readonly SKColor Black = new(0, 0, 0), White = new(255, 255, 255);
    private readonly DigitImagePreprocessor _preprocessor = new();

    public static TheoryData<int> Digits => new() { 0, 1, 2, 3, 4, 7, 8, 11, 18, 61 };

    // ---- pass-through ------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Digits))]
    public void RealMnistDigitAsGreyPngPassesThroughUnchanged(int index)
    {
        var digit = TestImages.MnistDigit(index);

        var result = _preprocessor.Process(TestImages.GreyPng(digit, 28, 28));

        Assert.True(result.PassedThrough);
        Assert.False(result.Inverted);
        Assert.Equal((28, 28), (result.OriginalWidth, result.OriginalHeight));
        AssertClose(TestImages.ToFloats(digit), result.Pixels, 1f / 255);
    }

    [Fact]
    public void MnistDigitAsOpaqueGreyRgbaPngPassesThroughUnchanged()
    {
        var digit = TestImages.MnistDigit(5);
        using var drawing = TestImages.Draw(digit, 1, White, Black);
        var png = TestImages.Png(drawing);
        Assert.Equal(6, PngForge.ReadChunks(png)[0].Data[9]); // RGBA, not grey

        var result = _preprocessor.Process(png);

        Assert.True(result.PassedThrough);
        AssertClose(TestImages.ToFloats(digit), result.Pixels, 1f / 255);
    }

    [Fact]
    public void DarkOnLight28By28IsNotPassedThroughButInverted()
    {
        var digit = TestImages.MnistDigit(0);
        var negative = Array.ConvertAll(digit, p => (byte)(255 - p));

        var result = _preprocessor.Process(TestImages.GreyPng(negative, 28, 28));

        Assert.False(result.PassedThrough);
        Assert.True(result.Inverted);
        AssertMnistLike(digit, result, minimumCorrelation: 0.9);
    }

    // ---- drawings and photos -----------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Digits))]
    public void BlackOnWhiteAt280ComesBackCloseToMnistAndCentred(int index)
    {
        var digit = TestImages.MnistDigit(index);
        using var drawing = TestImages.Draw(digit, 10, Black, White);

        var result = _preprocessor.Process(TestImages.Png(drawing));

        Assert.False(result.PassedThrough);
        Assert.True(result.Inverted);
        Assert.Equal((280, 280), (result.OriginalWidth, result.OriginalHeight));
        AssertMnistLike(digit, result, minimumCorrelation: 0.8);
    }

    [Fact]
    public void SmallDigitOffCentreOnALargeCanvasIsCroppedAndCentred()
    {
        var digit = TestImages.MnistDigit(7);
        using var drawing = TestImages.Draw(digit, 4, Black, White, canvasWidth: 900, canvasHeight: 500, left: 20, top: 340);

        var result = _preprocessor.Process(TestImages.Png(drawing));

        Assert.Equal((900, 500), (result.OriginalWidth, result.OriginalHeight));
        AssertMnistLike(digit, result, minimumCorrelation: 0.8);
    }

    [Fact]
    public void WhiteOnBlackLargerThan28IsNotInverted()
    {
        var digit = TestImages.MnistDigit(3);
        using var drawing = TestImages.Draw(digit, 5, White, Black);

        var result = _preprocessor.Process(TestImages.Png(drawing));

        Assert.False(result.Inverted);
        Assert.False(result.PassedThrough);
        AssertMnistLike(digit, result, minimumCorrelation: 0.8);
    }

    [Theory]
    [InlineData(0, 0, 0, 0)]         // black strokes on "transparent black", the usual canvas export
    [InlineData(255, 255, 255, 0)]   // black strokes on "transparent white"
    public void TransparentCanvasWithDarkStrokes(byte bgRed, byte bgGreen, byte bgBlue, byte bgAlpha)
    {
        var digit = TestImages.MnistDigit(1);
        using var drawing = TestImages.Draw(digit, 8, Black, new SKColor(bgRed, bgGreen, bgBlue, bgAlpha));
        var png = TestImages.Png(drawing);
        Assert.Equal(6, PngForge.ReadChunks(png)[0].Data[9]); // RGBA

        var result = _preprocessor.Process(png);

        Assert.True(result.Inverted);
        AssertMnistLike(digit, result, minimumCorrelation: 0.8);
    }

    [Fact]
    public void TransparentCanvasWithLightStrokes()
    {
        var digit = TestImages.MnistDigit(2);
        using var drawing = TestImages.Draw(digit, 8, White, new SKColor(255, 255, 255, 0));

        var result = _preprocessor.Process(TestImages.Png(drawing));

        Assert.False(result.Inverted);
        AssertMnistLike(digit, result, minimumCorrelation: 0.8);
    }

    [Fact]
    public void OpaquePaperWithSemiTransparentInk()
    {
        var digit = TestImages.MnistDigit(4);
        using var drawing = TestImages.Draw(digit, 6, new SKColor(20, 20, 120, 160), new SKColor(250, 245, 230));

        var result = _preprocessor.Process(TestImages.Png(drawing));

        Assert.True(result.Inverted);
        AssertMnistLike(digit, result, minimumCorrelation: 0.8);
    }

    [Theory]
    [InlineData(30, 40, 200, 255, 230, 80)]   // blue ink on yellow paper
    [InlineData(200, 30, 30, 40, 160, 40)]    // red ink on green paper: close in luminance, far in colour
    [InlineData(250, 250, 120, 20, 20, 90)]   // pale yellow chalk on a dark blue board
    public void ColouredInkOnColouredPaperBecomesACleanWhiteDigitOnBlack(
        byte inkR, byte inkG, byte inkB, byte paperR, byte paperG, byte paperB)
    {
        var digit = TestImages.MnistDigit(8);
        using var drawing = TestImages.Draw(digit, 10, new SKColor(inkR, inkG, inkB), new SKColor(paperR, paperG, paperB));

        var result = _preprocessor.Process(TestImages.Png(drawing));

        AssertMnistLike(digit, result, minimumCorrelation: 0.8);
        Assert.Equal(1f, result.Pixels.Max());
        Assert.Equal(0f, Border(result.Pixels).Max());
    }

    [Fact]
    public void PalettePng()
    {
        var digit = TestImages.MnistDigit(11);
        var enlarged = Enlarge(digit, 6);
        var png = TestImages.PalettePng(enlarged, 168, 168, new SKColor(10, 30, 160), new SKColor(255, 240, 150));
        Assert.Equal(3, PngForge.ReadChunks(png)[0].Data[9]); // colour type 3: palette

        var result = _preprocessor.Process(png);

        Assert.True(result.Inverted);
        AssertMnistLike(digit, result, minimumCorrelation: 0.8);
    }

    [Fact]
    public void SixteenBitPng()
    {
        var digit = TestImages.MnistDigit(18);
        using var drawing = TestImages.Draw(digit, 6, Black, White, colorType: SKColorType.RgbaF16);
        var png = TestImages.Png(drawing);
        Assert.Equal(16, PngForge.ReadChunks(png)[0].Data[8]); // bit depth

        var result = _preprocessor.Process(png);

        Assert.True(result.Inverted);
        AssertMnistLike(digit, result, minimumCorrelation: 0.8);
    }

    [Theory]
    [InlineData(90)]
    [InlineData(40)]
    public void Jpeg(int quality)
    {
        var digit = TestImages.MnistDigit(61);
        using var drawing = TestImages.Draw(digit, 10, new SKColor(40, 40, 50), new SKColor(235, 232, 225));

        var result = _preprocessor.Process(TestImages.Jpeg(drawing, quality));

        Assert.True(result.Inverted);
        AssertMnistLike(digit, result, minimumCorrelation: 0.8);
        Assert.Equal(0f, Border(result.Pixels).Max());
    }

    [Fact]
    public void LargeJpegIsReducedForAnalysisButReportsItsSize()
    {
        var digit = TestImages.MnistDigit(0);
        using var drawing = TestImages.Draw(digit, 60, Black, White, canvasWidth: 2400, canvasHeight: 1800, left: 500, top: 50);

        var result = _preprocessor.Process(TestImages.Jpeg(drawing));

        Assert.Equal((2400, 1800), (result.OriginalWidth, result.OriginalHeight));
        AssertMnistLike(digit, result, minimumCorrelation: 0.8);
    }

    [Fact]
    public void DecodedPixelsIsReadFromTheHeaderAtTheSizeTheCodecDecodes()
    {
        using var drawing = TestImages.Draw(TestImages.MnistDigit(0), 1, Black, White, canvasWidth: 2400, canvasHeight: 1800, left: 1000, top: 800);

        // PNG decodes at its stored size; JPEG (1/8 … 8/8) and WebP (any size) reduce while decoding, to no less than 1024.
        Assert.Equal(2400L * 1800, _preprocessor.DecodedPixels(TestImages.Png(drawing)));
        Assert.Equal(1200L * 900, _preprocessor.DecodedPixels(TestImages.Jpeg(drawing)));
        Assert.Equal(1024L * 768, _preprocessor.DecodedPixels(TestImages.Webp(drawing)));
        Assert.Equal(28L * 28, _preprocessor.DecodedPixels(TestImages.GreyPng(TestImages.MnistDigit(0), 28, 28)));
    }

    [Fact]
    public void DecodedPixelsRefusesAsProcessDoesWithoutDecoding()
    {
        using var drawing = TestImages.Draw(TestImages.MnistDigit(0), 2, Black, White);
        var bomb = TestImages.PngClaimingSize(TestImages.Png(drawing), 50_000, 50_000);
        var atTheLimit = TestImages.PngClaimingSize(TestImages.Png(drawing), 4096, 4096);

        Assert.Equal(ImageRejectionReason.TooLarge, Assert.Throws<ImageRejectedException>(() => _preprocessor.DecodedPixels(bomb)).Reason);
        Assert.Equal(ImageRejectionReason.NotAnImage,
            Assert.Throws<ImageRejectedException>(() => _preprocessor.DecodedPixels("not an image"u8)).Reason);
        // A header at the limit passes: its 64 MiB of pixels would only be allocated by decoding, which this does not do.
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(4096L * 4096, _preprocessor.DecodedPixels(atTheLimit));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000);
    }

    [Fact]
    public void LargePngIsReducedForAnalysis()
    {
        var digit = TestImages.MnistDigit(3);
        using var drawing = TestImages.Draw(digit, 50, Black, White);

        var result = _preprocessor.Process(TestImages.Png(drawing));

        Assert.Equal((1400, 1400), (result.OriginalWidth, result.OriginalHeight));
        AssertMnistLike(digit, result, minimumCorrelation: 0.8);
    }

    [Theory]
    [InlineData(6)] // stored turned 90° anticlockwise: display turns it clockwise
    [InlineData(8)] // stored turned 90° clockwise
    [InlineData(3)] // stored upside down
    public void JpegExifOrientationIsApplied(ushort orientation)
    {
        var digit = TestImages.MnistDigit(1); // a 2: no rotation of it looks like itself
        var stored = orientation switch
        {
            6 => Rotate(digit, clockwise: false),
            8 => Rotate(digit, clockwise: true),
            _ => Rotate(Rotate(digit, clockwise: true), clockwise: true),
        };
        using var drawing = TestImages.Draw(stored, 8, Black, White);
        var jpeg = TestImages.WithExifOrientation(TestImages.Jpeg(drawing), orientation);

        var result = _preprocessor.Process(jpeg);

        AssertMnistLike(digit, result, minimumCorrelation: 0.8);
    }

    [Fact]
    public void WebpIsAccepted()
    {
        var digit = TestImages.MnistDigit(4);
        using var drawing = TestImages.Draw(digit, 5, Black, White);

        var result = _preprocessor.Process(TestImages.Webp(drawing));

        AssertMnistLike(digit, result, minimumCorrelation: 0.8);
    }

    // ---- blank -------------------------------------------------------------------------------------------

    public static TheoryData<string, byte[]> BlankImages()
    {
        using var white = TestImages.Uniform(200, 150, White);
        using var black = TestImages.Uniform(200, 150, Black);
        using var transparent = TestImages.Uniform(64, 64, SKColors.Transparent);
        using var yellow = TestImages.Uniform(300, 300, new SKColor(255, 230, 80));
        using var tiny = TestImages.Uniform(1, 1, White);
        var faint = TestImages.MnistDigit(0);
        using var faintDrawing = TestImages.Draw(faint, 4, new SKColor(250, 250, 250), White);
        return new()
        {
            { "white PNG", TestImages.Png(white) },
            { "black PNG", TestImages.Png(black) },
            { "black 28×28 grey PNG", TestImages.GreyPng(new byte[784], 28, 28) },
            { "transparent PNG", TestImages.Png(transparent) },
            { "yellow JPEG", TestImages.Jpeg(yellow) },
            { "1×1 PNG", TestImages.Png(tiny) },
            { "almost invisible digit", TestImages.Png(faintDrawing) },
        };
    }

    [Theory]
    [MemberData(nameof(BlankImages))]
    public void ImagesWithoutADigitAreBlank(string name, byte[] image)
    {
        var error = Assert.Throws<ImageRejectedException>(() => _preprocessor.Process(image));

        Assert.Equal(ImageRejectionReason.Blank, error.Reason);
        AssertUserMessage(error, name);
    }

    // ---- not an image ------------------------------------------------------------------------------------

    public static TheoryData<string, byte[]> NotImages()
    {
        var random = new byte[5000];
        new Random(1234).NextBytes(random);
        using var drawing = TestImages.Draw(TestImages.MnistDigit(0), 4, Black, White);
        var png = TestImages.Png(drawing);
        var jpeg = TestImages.Jpeg(drawing);
        var corrupt = (byte[])png.Clone();
        int idat = FindIdatData(corrupt);
        new Random(5).NextBytes(corrupt.AsSpan(idat + 10, 60));
        return new()
        {
            { "zero bytes", [] },
            { "random bytes", random },
            { "text", "just some text, not a picture"u8.ToArray() },
            { "truncated PNG", png[..(png.Length / 2)] },
            { "PNG header only", png[..33] },
            { "truncated JPEG", jpeg[..(jpeg.Length / 2)] },
            { "PNG with corrupt pixel data", corrupt },
        };
    }

    [Theory]
    [MemberData(nameof(NotImages))]
    public void BytesThatAreNotAReadableImageAreNotAnImage(string name, byte[] data)
    {
        var error = Assert.Throws<ImageRejectedException>(() => _preprocessor.Process(data));

        Assert.Equal(ImageRejectionReason.NotAnImage, error.Reason);
        AssertUserMessage(error, name);
    }

    [Fact]
    public void FormatsOtherThanPngJpegWebpGifBmpAreRefused()
    {
        // An 8×8 WBMP (type 0, header 0, width, height, then one bit per pixel): a format SkiaSharp decodes but
        // the preprocessor refuses. SkiaSharp cannot write WBMP, and the format is these 12 bytes.
        byte[] wbmp = [0, 0, 8, 8, 0xFF, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0xFF];

        var error = Assert.Throws<ImageRejectedException>(() => _preprocessor.Process(wbmp));

        Assert.Equal(ImageRejectionReason.NotAnImage, error.Reason);
        Assert.Equal("WBMP images are not supported. Please upload a PNG or JPEG image.", error.Message);
    }

    // ---- too large ---------------------------------------------------------------------------------------

    [Fact]
    public void PngClaiming50000By50000IsTooLargeWithoutDecodingIt()
    {
        using var drawing = TestImages.Draw(TestImages.MnistDigit(0), 2, Black, White);
        var bomb = TestImages.PngClaimingSize(TestImages.Png(drawing), 50_000, 50_000);
        _ = Assert.Throws<ImageRejectedException>(() => _preprocessor.Process(bomb)); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<ImageRejectedException>(() => _preprocessor.Process(bomb));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(ImageRejectionReason.TooLarge, error.Reason);
        Assert.Equal("The image is 50000×50000 pixels; the limit is 4096×4096.", error.Message);
        Assert.True(allocated < 50_000_000, $"{allocated:N0} bytes allocated");
        // The native side did not decode either: a 50000² RGBA buffer would be 10 GB.
        Assert.True(Environment.WorkingSet < 4_000_000_000, $"working set {Environment.WorkingSet:N0} bytes");
    }

    [Fact]
    public void LimitsAreConfigurable()
    {
        using var drawing = TestImages.Draw(TestImages.MnistDigit(0), 10, Black, White); // 280×280
        var png = TestImages.Png(drawing);

        var narrow = new DigitImagePreprocessor(new PreprocessingLimits { MaxWidth = 200 });
        var error = Assert.Throws<ImageRejectedException>(() => narrow.Process(png));
        Assert.Equal(ImageRejectionReason.TooLarge, error.Reason);
        Assert.Equal("The image is 280×280 pixels; the limit is 200×4096.", error.Message);

        var fewPixels = new DigitImagePreprocessor(new PreprocessingLimits { MaxPixels = 280 * 279 });
        error = Assert.Throws<ImageRejectedException>(() => fewPixels.Process(png));
        Assert.Equal(ImageRejectionReason.TooLarge, error.Reason);
        AssertUserMessage(error, "over MaxPixels");

        var exact = new DigitImagePreprocessor(new PreprocessingLimits { MaxWidth = 280, MaxHeight = 280, MaxPixels = 280 * 280 });
        Assert.False(exact.Process(png).PassedThrough);
    }

    [Theory]
    [InlineData(0, 10, 10, "MaxWidth")]
    [InlineData(10, -1, 10, "MaxHeight")]
    [InlineData(10, 10, 0, "MaxPixels")]
    public void InvalidLimitsAreRefusedAtConstruction(int width, int height, long pixels, string name)
    {
        var limits = new PreprocessingLimits { MaxWidth = width, MaxHeight = height, MaxPixels = pixels };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new DigitImagePreprocessor(limits));

        Assert.Equal(name, error.ParamName);
    }

    [Fact]
    public void OneInstanceServesConcurrentRequests()
    {
        var digits = Enumerable.Range(0, 8).Select(TestImages.MnistDigit).ToArray();
        var pngs = digits.Select(d => { using var b = TestImages.Draw(d, 5, Black, White); return TestImages.Png(b); }).ToArray();
        var sequential = pngs.Select(p => _preprocessor.Process(p).Pixels).ToArray();

        var parallel = new float[pngs.Length][];
        Parallel.For(0, pngs.Length, i => parallel[i] = _preprocessor.Process(pngs[i]).Pixels);

        for (int i = 0; i < pngs.Length; i++) Assert.Equal(sequential[i], parallel[i]);
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    /// <summary>Checks the shape and range of the result, its likeness to the MNIST original, that the
    /// centre of mass is within a pixel of (14, 14), and that the digit fills a 20-pixel box.</summary>
    private static void AssertMnistLike(byte[] original, PreprocessedDigit result, double minimumCorrelation)
    {
        var pixels = result.Pixels;
        Assert.Equal(784, pixels.Length);
        Assert.All(pixels, p => Assert.InRange(p, 0f, 1f));

        double correlation = Correlation(TestImages.ToFloats(original), pixels);
        Assert.True(correlation > minimumCorrelation, $"correlation with the MNIST original is {correlation:F3}");

        var (cx, cy) = CentreOfMass(pixels);
        Assert.True(Math.Abs(cx - 14) <= 1 && Math.Abs(cy - 14) <= 1, $"centre of mass at ({cx:F2}, {cy:F2})");

        int longer = BoundingBoxLongerSide(pixels);
        Assert.InRange(longer, 19, 20);
    }

    private static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance + 1e-6f,
                $"pixel {i}: expected {expected[i]}, got {actual[i]}");
    }

    private static void AssertUserMessage(ImageRejectedException error, string caseName)
    {
        Assert.False(string.IsNullOrWhiteSpace(error.Message), caseName);
        Assert.EndsWith(".", error.Message);
        Assert.DoesNotContain("/", error.Message);
        Assert.DoesNotContain("Skia", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" at ", error.Message);
    }

    private static double Correlation(float[] a, float[] b)
    {
        double meanA = a.Average(), meanB = b.Average(), ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            ab += (a[i] - meanA) * (b[i] - meanB);
            aa += (a[i] - meanA) * (a[i] - meanA);
            bb += (b[i] - meanB) * (b[i] - meanB);
        }
        return ab / Math.Sqrt(aa * bb);
    }

    private static (double X, double Y) CentreOfMass(float[] pixels)
    {
        double mass = 0, x = 0, y = 0;
        for (int i = 0; i < pixels.Length; i++)
        {
            mass += pixels[i];
            x += pixels[i] * (i % 28);
            y += pixels[i] * (i / 28);
        }
        return (x / mass, y / mass);
    }

    private static int BoundingBoxLongerSide(float[] pixels)
    {
        var ink = Enumerable.Range(0, pixels.Length).Where(i => pixels[i] > 0).ToArray();
        int width = ink.Max(i => i % 28) - ink.Min(i => i % 28) + 1;
        int height = ink.Max(i => i / 28) - ink.Min(i => i / 28) + 1;
        return Math.Max(width, height);
    }

    private static IEnumerable<float> Border(float[] pixels) =>
        Enumerable.Range(0, 784).Where(i => i % 28 is 0 or 27 || i / 28 is 0 or 27).Select(i => pixels[i]);

    /// <summary>A 28×28 digit enlarged by repeating pixels.</summary>
    private static byte[] Enlarge(byte[] digit, int factor)
    {
        int side = 28 * factor;
        var result = new byte[side * side];
        for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++)
            result[y * side + x] = digit[y / factor * 28 + x / factor];
        return result;
    }

    private static byte[] Rotate(byte[] digit, bool clockwise)
    {
        var result = new byte[784];
        for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++)
            result[y * 28 + x] = clockwise ? digit[(27 - x) * 28 + y] : digit[x * 28 + 27 - y];
        return result;
    }

    private static int FindIdatData(byte[] png)
    {
        int at = 8;
        foreach (var chunk in PngForge.ReadChunks(png))
        {
            if (chunk.Type == "IDAT") return at + 8;
            at += 12 + chunk.Data.Length;
        }
        throw new InvalidOperationException("no IDAT");
    }
}
