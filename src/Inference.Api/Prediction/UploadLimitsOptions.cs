
namespace CapsNetService.Inference.Api.Prediction;

/// <summary>
/// What an upload may be. Bound from the <c>Uploads</c> configuration section and checked at start-up by
/// <see cref="Validator"/>. The image dimensions are checked against the file's header before
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

    /// <summary>Most pixels decoded for one request, its images together (default 67 108 864: four images at
    /// <see cref="MaxImagePixels"/>, or 64 of 1024×1024), counted from their headers before any is decoded, at the size
    /// the codec decodes them (a large JPEG or WebP is reduced while decoding); 413 <c>pixel-budget-exceeded</c> over it.
    /// Decoding time grows with pixels, not bytes: a 4096×4096 PNG of a few kilobytes takes about a second of a core.</summary>
    public long MaxRequestPixels { get; set; } = 67_108_864;

    /// <summary>Seconds within which a request body (an upload, a JSON capsule) must arrive whole (default 60); 408 after.</summary>
    public double BodyDeadlineSeconds { get; set; } = 60;

    /// <summary>Longest pause, in seconds, between two pieces of a request body (default 10); 408 after.</summary>
    public double BodyIdleSeconds { get; set; } = 10;

    /// <summary>Request bodies read at once (default 64); one more gets 503 with Retry-After.</summary>
    public int MaxConcurrentUploads { get; set; } = 64;

    /// <summary>Open client connections Kestrel keeps at once (default 1024); more wait in the operating system's queue.</summary>
    public long MaxConnections { get; set; } = 1024;

    public PreprocessingLimits ToPreprocessingLimits() => new()
    {
        MaxWidth = MaxImageWidth,
        MaxHeight = MaxImageHeight,
        MaxPixels = MaxImagePixels,
    };

    /// <summary>Refuses to start with upload limits that cannot work, naming the key.</summary>
    public sealed class Validator : IValidateOptions<UploadLimitsOptions>
    {
        /// <summary>The smallest body that still holds a multipart form with one small PNG.</summary>
        public const long SmallestUsefulBody = 1024;

        public ValidateOptionsResult Validate(string? name, UploadLimitsOptions options)
        {
            var failures = new List<string>();
            if (options.MaxRequestBytes < SmallestUsefulBody)
                failures.Add($"Uploads:MaxRequestBytes must be at least {SmallestUsefulBody} bytes; got {options.MaxRequestBytes}.");
            if (options.MaxBatchImages is < 1 or > 4096)
                failures.Add($"Uploads:MaxBatchImages must be between 1 and 4096; got {options.MaxBatchImages}.");
            if (options.MaxImageWidth < 1)
                failures.Add($"Uploads:MaxImageWidth must be at least 1 pixel; got {options.MaxImageWidth}.");
            if (options.MaxImageHeight < 1)
                failures.Add($"Uploads:MaxImageHeight must be at least 1 pixel; got {options.MaxImageHeight}.");
            if (!(options.BodyDeadlineSeconds is >= 1 and <= 3600))
                failures.Add($"Uploads:BodyDeadlineSeconds must be between 1 and 3600; got {options.BodyDeadlineSeconds}.");
            if (!(options.BodyIdleSeconds is >= 0.5 and <= 3600) || options.BodyIdleSeconds > options.BodyDeadlineSeconds)
                failures.Add($"Uploads:BodyIdleSeconds must be between 0.5 and Uploads:BodyDeadlineSeconds; got {options.BodyIdleSeconds}.");
            if (options.MaxConcurrentUploads is < 1 or > 100_000)
                failures.Add($"Uploads:MaxConcurrentUploads must be between 1 and 100000; got {options.MaxConcurrentUploads}.");
            if (options.MaxConnections is < 1 or > 1_000_000)
                failures.Add($"Uploads:MaxConnections must be between 1 and 1000000; got {options.MaxConnections}.");
            if (options.MaxImagePixels < 1)
                failures.Add($"Uploads:MaxImagePixels must be at least 1 pixel; got {options.MaxImagePixels}.");
            // Below one image's limit, an image the per-image limits let through could never be served.
            if (options.MaxRequestPixels < options.MaxImagePixels)
                failures.Add($"Uploads:MaxRequestPixels must be at least Uploads:MaxImagePixels ({options.MaxImagePixels}); got {options.MaxRequestPixels}.");
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
