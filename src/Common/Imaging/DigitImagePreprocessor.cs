namespace CapsNetService.Common.Imaging;

/// <summary>
/// Turns an uploaded photo or drawing (PNG or JPEG bytes; WebP, GIF and BMP are read too) into the model's
/// input: <see cref="ModelContract.ImagePixels"/> floats, row-major 28×28, a white digit on black in [0, 1],
/// made the way MNIST was made. Thread-safe; one instance can serve every request.
/// <list type="number">
/// <item>Read the header and refuse images over the <see cref="PreprocessingLimits"/> before decoding pixels
///   (<see cref="ImageRejectionReason.TooLarge"/>); refuse what SkiaSharp cannot decode
///   (<see cref="ImageRejectionReason.NotAnImage"/>).</item>
/// <item>Decode any colour type and bit depth to 8-bit premultiplied RGBA, sRGB; images longer than
///   1024 pixels are reduced to 1024 for analysis (area-averaged).</item>
/// <item>An image that already is MNIST-like (28×28, opaque grey, dark border) is returned as its pixels / 255
///   (<see cref="PreprocessedDigit.PassedThrough"/>).</item>
/// <item>Otherwise estimate the background from the border and measure each pixel's contrast to it (see
///   <see cref="InkExtractor"/> for the rule on colour and transparency); a digit darker than its background
///   is thereby inverted (<see cref="PreprocessedDigit.Inverted"/>). A largest contrast under
///   <see cref="MinimumContrast"/> means no digit (<see cref="ImageRejectionReason.Blank"/>).</item>
/// <item>Scale the ink so the strongest stroke is 1, and drop what is fainter than <see cref="NoiseFloor"/> of
///   it (paper texture, JPEG noise), rescaling the rest to [0, 1].</item>
/// <item>Turn the image upright per its EXIF orientation, then crop to the ink's bounding box, scale the
///   longer side to 20 pixels, and centre the centre of mass at (14, 14) in 28×28 (see
///   <see cref="MnistFraming"/>).</item>
/// </list>
/// The same steps make the input of an overlapping-digits model when given <see cref="DigitFrame.MultiMnist"/>: a
/// 36×36 pair passes through, any other image has its ink (both digits together) framed in 36×36.
/// </summary>
public sealed class DigitImagePreprocessor
{
    /// <summary>Contrast to the background, in [0, 1], below which an image is taken as blank.</summary>
    public const float MinimumContrast = 0.1f;

    /// <summary>Ink fainter than this fraction of the strongest ink is treated as noise.</summary>
    public const float NoiseFloor = 0.15f;

    /// <summary>Longest side, in pixels, at which images are analysed.</summary>
    private const int WorkingMaxSide = 1024;

    private readonly PreprocessingLimits _limits;

    public DigitImagePreprocessor(PreprocessingLimits? limits = null)
    {
        _limits = limits ?? new PreprocessingLimits();
        _limits.Validate();
    }

    public PreprocessingLimits Limits => _limits;

    /// <summary>
    /// How many pixels <see cref="Process"/> will decode for this image, read from its header without decoding: its
    /// width × height, or less where the codec reduces a large image while decoding (JPEG, WebP). Lets a caller hold
    /// several images to one budget before it decodes any of them.
    /// </summary>
    /// <exception cref="ImageRejectedException">As <see cref="Process"/>, for bytes that are no image this reads and
    /// for an image over the <see cref="PreprocessingLimits"/>.</exception>
    public long DecodedPixels(ReadOnlySpan<byte> encodedImage)
    {
        var size = EncodedImageDecoder.DecodedSize(encodedImage, _limits, WorkingMaxSide);
        return (long)size.Width * size.Height;
    }

    /// <summary>Preprocesses one encoded image.</summary>
    /// <exception cref="ImageRejectedException">The bytes are not a readable image, the image is too large,
    /// or it holds no digit; the message is meant for the end user.</exception>
    /// <param name="frame">The model's frame; null: MNIST's (<see cref="DigitFrame.Mnist"/>).</param>
    public PreprocessedDigit Process(ReadOnlySpan<byte> encodedImage, DigitFrame? frame = null)
    {
        frame ??= DigitFrame.Mnist;
        using var image = EncodedImageDecoder.Decode(encodedImage, _limits, WorkingMaxSide);

        if (MnistPassThrough.TryTake(image, frame) is { } mnist)
        {
            if (mnist.Max() - mnist.Min() < MinimumContrast) throw Blank();
            return new PreprocessedDigit(mnist, image.OriginalWidth, image.OriginalHeight, Inverted: false, PassedThrough: true);
        }

        var (ink, maxInk, darkInk) = InkExtractor.Extract(image);
        if (maxInk < MinimumContrast) throw Blank();

        SuppressNoise(ink.Values, maxInk);
        var pixels = MnistFraming.Frame(ink.Upright(image.Origin), frame);
        return new PreprocessedDigit(pixels, image.OriginalWidth, image.OriginalHeight, darkInk, PassedThrough: false);
    }

    private static ImageRejectedException Blank() => new(ImageRejectionReason.Blank,
        "No digit was found in the image: it is blank, or the writing is too faint to make out.");

    /// <summary>Maps [floor, max] to [0, 1] and everything fainter to 0, where floor = <see cref="NoiseFloor"/> × max.</summary>
    private static void SuppressNoise(Span<float> ink, float maxInk)
    {
        float floor = NoiseFloor * maxInk, range = maxInk - floor;
        for (int i = 0; i < ink.Length; i++)
            ink[i] = ink[i] <= floor ? 0f : MathF.Min(1f, (ink[i] - floor) / range);
    }
}
