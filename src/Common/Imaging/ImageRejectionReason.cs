namespace CapsNetService.Common.Imaging;

/// <summary>Why <see cref="DigitImagePreprocessor"/> refused an upload.</summary>
public enum ImageRejectionReason
{
    /// <summary>Empty, undecodable, truncated or corrupt data, or an unsupported format.</summary>
    NotAnImage,

    /// <summary>The header's dimensions exceed the <see cref="PreprocessingLimits"/>.</summary>
    TooLarge,

    /// <summary>The image decodes but holds no digit: it is uniform, or its contrast is too faint.</summary>
    Blank,
}
