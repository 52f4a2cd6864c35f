using SkiaSharp;

namespace CapsNetService.Common.Imaging;

/// <summary>
/// Turns uploaded bytes into pixels with SkiaSharp, checking the header's dimensions against the limits before
/// any pixel is allocated. Accepted formats: PNG (any colour type and bit depth, including palette and 16-bit),
/// JPEG, and, because SkiaSharp decodes them as reliably, WebP, GIF (first frame) and BMP. Every other format
/// SkiaSharp might recognise (ICO, WBMP, camera RAW, HEIF/AVIF where built in) is refused, which also keeps
/// loosely-sniffed formats such as WBMP from reading random bytes as an image.
/// </summary>
internal static class EncodedImageDecoder
{
    private static readonly SKEncodedImageFormat[] SupportedFormats =
    [
        SKEncodedImageFormat.Png, SKEncodedImageFormat.Jpeg, SKEncodedImageFormat.Webp,
        SKEncodedImageFormat.Gif, SKEncodedImageFormat.Bmp,
    ];

    private static readonly SKSamplingOptions Downscale = new(SKFilterMode.Linear, SKMipmapMode.Linear);

    /// <summary>Decodes <paramref name="encoded"/>; images whose longer side exceeds
    /// <paramref name="workingMaxSide"/> are reduced to it (JPEG in the decoder itself, others after decoding).</summary>
    public static DecodedImage Decode(ReadOnlySpan<byte> encoded, PreprocessingLimits limits, int workingMaxSide)
    {
        if (encoded.IsEmpty)
            throw Rejected(ImageRejectionReason.NotAnImage, "The upload is empty: no image data was received.");

        PngMetadataCheck.Check(encoded, limits.MaxPngMetadataBytes);
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw Rejected(ImageRejectionReason.NotAnImage,
                "The file is not an image this service can read. Please upload a PNG or JPEG image.");
        if (Array.IndexOf(SupportedFormats, codec.EncodedFormat) < 0)
            throw Rejected(ImageRejectionReason.NotAnImage,
                $"{codec.EncodedFormat.ToString().ToUpperInvariant()} images are not supported. Please upload a PNG or JPEG image.");

        int width = codec.Info.Width, height = codec.Info.Height;
        CheckLimits(width, height, limits);

        var size = new SKSizeI(width, height);
        int longer = Math.Max(width, height);
        if (longer > workingMaxSide)
        {
            // Only codecs that can scale while decoding (JPEG: 1/8 … 8/8) change the size; never below the target.
            var scaled = codec.GetScaledDimensions((float)workingMaxSide / longer);
            if (scaled.Width > 0 && scaled.Height > 0 && Math.Max(scaled.Width, scaled.Height) >= workingMaxSide)
                size = scaled;
        }

        var bitmap = DecodePixels(codec, size);
        try
        {
            if (Math.Max(bitmap.Width, bitmap.Height) > workingMaxSide)
            {
                double scale = (double)workingMaxSide / Math.Max(bitmap.Width, bitmap.Height);
                var reducedInfo = bitmap.Info.WithSize(
                    Math.Max(1, (int)Math.Round(bitmap.Width * scale)), Math.Max(1, (int)Math.Round(bitmap.Height * scale)));
                var reduced = bitmap.Resize(reducedInfo, Downscale)
                    ?? throw new InvalidOperationException("SkiaSharp could not resize the decoded image.");
                bitmap.Dispose();
                bitmap = reduced;
            }
            return new DecodedImage(bitmap, width, height, codec.EncodedOrigin);
        }
        catch
        {
            bitmap.Dispose();
            throw;
        }
    }

    private static void CheckLimits(int width, int height, PreprocessingLimits limits)
    {
        if (width <= 0 || height <= 0)
            throw Rejected(ImageRejectionReason.NotAnImage, "The image has no pixels.");
        if (width > limits.MaxWidth || height > limits.MaxHeight)
            throw Rejected(ImageRejectionReason.TooLarge,
                $"The image is {width}×{height} pixels; the limit is {limits.MaxWidth}×{limits.MaxHeight}.");
        if ((long)width * height > limits.MaxPixels)
            throw Rejected(ImageRejectionReason.TooLarge,
                $"The image is {width}×{height} pixels ({(long)width * height:N0} in all); the limit is {limits.MaxPixels:N0} pixels.");
    }

    private static SKBitmap DecodePixels(SKCodec codec, SKSizeI size)
    {
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Premul,
                                   SKColorSpace.CreateSrgb());
        var bitmap = new SKBitmap(info);
        try
        {
            if (bitmap.GetPixels() == IntPtr.Zero)
                throw Rejected(ImageRejectionReason.TooLarge,
                    $"The image is too large to process ({size.Width}×{size.Height} pixels).");
            var result = codec.GetPixels(info, bitmap.GetPixels());
            return result switch
            {
                SKCodecResult.Success => bitmap,
                SKCodecResult.IncompleteInput => throw Rejected(ImageRejectionReason.NotAnImage,
                    "The image file is incomplete (truncated); please upload the whole file."),
                SKCodecResult.InvalidConversion or SKCodecResult.Unimplemented => throw Rejected(
                    ImageRejectionReason.NotAnImage,
                    "This kind of image cannot be read by this service. Please upload an ordinary PNG or JPEG image."),
                _ => throw Rejected(ImageRejectionReason.NotAnImage,
                    "The image data is corrupt and cannot be read."),
            };
        }
        catch
        {
            bitmap.Dispose();
            throw;
        }
    }

    private static ImageRejectedException Rejected(ImageRejectionReason reason, string message) => new(reason, message);
}
