namespace CapsNetService.Common.Imaging;

/// <summary>
/// The largest upload <see cref="DigitImagePreprocessor"/> will decode. The limits are checked against the
/// dimensions in the file's header before any pixel is decoded, so a small file that claims a huge image
/// (a decompression bomb) is rejected without allocating its pixels. Decoding an image at the limits takes
/// about <c>4 × MaxPixels</c> bytes (RGBA, 8 bits a channel) for the duration of the request.
/// </summary>
public sealed record PreprocessingLimits
{
    /// <summary>Widest image accepted, in pixels (default 4096).</summary>
    public int MaxWidth { get; init; } = 4096;

    /// <summary>Tallest image accepted, in pixels (default 4096).</summary>
    public int MaxHeight { get; init; } = 4096;

    /// <summary>Most pixels (width × height) accepted (default 16 777 216 = 4096²).</summary>
    public long MaxPixels { get; init; } = 16_777_216;

    /// <summary>Most bytes a PNG may carry outside its pixel data (text, colour profile, EXIF, unknown chunks), in all
    /// (default 1 MiB): libpng's cost for such chunks grows with the square of their size (see PngMetadataCheck).</summary>
    public long MaxPngMetadataBytes { get; init; } = 1024 * 1024;

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> naming the first limit that is not positive.</summary>
    public void Validate()
    {
        if (MaxWidth < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxWidth), MaxWidth, "MaxWidth must be at least 1 pixel.");
        if (MaxHeight < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxHeight), MaxHeight, "MaxHeight must be at least 1 pixel.");
        if (MaxPixels < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxPixels), MaxPixels, "MaxPixels must be at least 1 pixel.");
        if (MaxPngMetadataBytes < 0)
            throw new ArgumentOutOfRangeException(nameof(MaxPngMetadataBytes), MaxPngMetadataBytes, "MaxPngMetadataBytes must be 0 or more.");
    }
}
