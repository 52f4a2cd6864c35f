using CapsNetService.Common.Imaging;

namespace CapsNetService.Inference.Api.Options;

/// <summary>
/// What an upload may be. Bound from the <c>Uploads</c> configuration section and checked at start-up by
/// <see cref="UploadLimitsOptionsValidator"/>. The image dimensions are checked against the file's header before
/// any pixel is decoded (by <see cref="DigitImagePreprocessor"/>), so a small file claiming a huge image is refused cheaply.
/// </summary>
public sealed class UploadLimitsOptions
{
    public const string Section = "Uploads";

    /// <summary>Largest request body, in bytes, for every endpoint (Kestrel) and for the multipart form (default 32 MiB).</summary>
    public long MaxRequestBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Most images in one POST /predict/batch (default 64).</summary>
    public int MaxBatchImages { get; set; } = 64;

    /// <summary>Widest image accepted, in pixels (default 4096).</summary>
    public int MaxImageWidth { get; set; } = 4096;

    /// <summary>Tallest image accepted, in pixels (default 4096).</summary>
    public int MaxImageHeight { get; set; } = 4096;

    /// <summary>Most pixels (width × height) accepted (default 16 777 216 = 4096²).</summary>
    public long MaxImagePixels { get; set; } = 16_777_216;

    public PreprocessingLimits ToPreprocessingLimits() => new()
    {
        MaxWidth = MaxImageWidth,
        MaxHeight = MaxImageHeight,
        MaxPixels = MaxImagePixels,
    };
}
