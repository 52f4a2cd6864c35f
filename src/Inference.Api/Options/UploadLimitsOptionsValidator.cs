using Microsoft.Extensions.Options;

namespace CapsNetService.Inference.Api.Options;

/// <summary>Refuses to start with upload limits that cannot work, naming the key.</summary>
public sealed class UploadLimitsOptionsValidator : IValidateOptions<UploadLimitsOptions>
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
        if (options.MaxImagePixels < 1)
            failures.Add($"Uploads:MaxImagePixels must be at least 1 pixel; got {options.MaxImagePixels}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
