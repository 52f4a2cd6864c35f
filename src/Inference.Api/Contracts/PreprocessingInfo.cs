namespace CapsNetService.Inference.Api.Contracts;

/// <summary>What the preprocessing did to the upload before the model saw it.</summary>
public sealed class PreprocessingInfo
{
    /// <summary>True when the digit was darker than its background (ink on paper) and was turned into a light digit on black.</summary>
    /// <example>true</example>
    public required bool Inverted { get; init; }

    /// <summary>True when the upload already was a 28×28 MNIST-style image and was used unchanged (no crop, no scaling).</summary>
    /// <example>false</example>
    public required bool PassedThrough { get; init; }

    /// <summary>Width of the uploaded image, in pixels.</summary>
    /// <example>280</example>
    public required int OriginalWidth { get; init; }

    /// <summary>Height of the uploaded image, in pixels.</summary>
    /// <example>280</example>
    public required int OriginalHeight { get; init; }
}
