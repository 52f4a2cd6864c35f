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

    /// <summary>The size <see cref="Decode"/> will decode <paramref name="encoded"/> at, read from its header without
    /// decoding a pixel: the stored size, or less where the codec reduces while decoding (JPEG, WebP).</summary>
    /// <exception cref="ImageRejectedException">As <see cref="Decode"/>, for what is no image or over the limits.</exception>
    public static SKSizeI DecodedSize(ReadOnlySpan<byte> encoded, PreprocessingLimits limits, int workingMaxSide)
    {
        var (data, codec) = Open(encoded, limits);
        using (data)
        using (codec)
            return DecodedSize(codec, workingMaxSide);
    }

    /// <summary>Decodes <paramref name="encoded"/>; images whose longer side exceeds
    /// <paramref name="workingMaxSide"/> are reduced to it (JPEG and WebP in the decoder itself, others after decoding).</summary>
    public static DecodedImage Decode(ReadOnlySpan<byte> encoded, PreprocessingLimits limits, int workingMaxSide)
    {
        var (data, codec) = Open(encoded, limits);
        using var ownedData = data;
        using var ownedCodec = codec;
        int width = codec.Info.Width, height = codec.Info.Height;
        var size = DecodedSize(codec, workingMaxSide);

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

    /// <summary>The codec for <paramref name="encoded"/>, once its format and header dimensions are accepted.</summary>
    private static (SKData Data, SKCodec Codec) Open(ReadOnlySpan<byte> encoded, PreprocessingLimits limits)
    {
        if (encoded.IsEmpty)
            throw Rejected(ImageRejectionReason.NotAnImage, "The upload is empty: no image data was received.");

        PngMetadataCheck.Check(encoded, limits.MaxPngMetadataBytes);
        var data = SKData.CreateCopy(encoded);
        try
        {
            var codec = SKCodec.Create(data)
                ?? throw Rejected(ImageRejectionReason.NotAnImage,
                    "The file is not an image this service can read. Please upload a PNG or JPEG image.");
            try
            {
                if (Array.IndexOf(SupportedFormats, codec.EncodedFormat) < 0)
                    throw Rejected(ImageRejectionReason.NotAnImage,
                        $"{codec.EncodedFormat.ToString().ToUpperInvariant()} images are not supported. Please upload a PNG or JPEG image.");
                CheckLimits(codec.Info.Width, codec.Info.Height, limits);
                return (data, codec);
            }
            catch
            {
                codec.Dispose();
                throw;
            }
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    private static SKSizeI DecodedSize(SKCodec codec, int workingMaxSide)
    {
        var size = new SKSizeI(codec.Info.Width, codec.Info.Height);
        int longer = Math.Max(size.Width, size.Height);
        if (longer <= workingMaxSide) return size;
        // Only codecs that can scale while decoding (JPEG: 1/8 … 8/8; WebP: any size) change the size; never below the
        // target. A codec rounds the scale asked for to its nearest (JPEG: 0.43 to 3/8), so the next eighths up are tried too.
        float wanted = (float)workingMaxSide / longer;
        for (int eighths = (int)MathF.Ceiling(wanted * 8); ; eighths++)
        {
            var scaled = codec.GetScaledDimensions(wanted);
            if (scaled.Width > 0 && scaled.Height > 0 && Math.Max(scaled.Width, scaled.Height) >= workingMaxSide
                && (long)scaled.Width * scaled.Height < (long)size.Width * size.Height)
                return scaled;
            if (eighths >= 8) return size;
            wanted = eighths / 8f;
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
