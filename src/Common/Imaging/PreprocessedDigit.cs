namespace CapsNetService.Common.Imaging;

/// <summary>
/// The model input made from one uploaded image.
/// </summary>
/// <param name="Pixels">The frame's side squared (<see cref="ModelContract.ImagePixels"/> for MNIST), row-major, white
/// digit on black, in [0, 1]: what <see cref="ModelContract.ImageInput"/> expects for one image.</param>
/// <param name="OriginalWidth">Width of the uploaded image as stored in the file, in pixels.</param>
/// <param name="OriginalHeight">Height of the uploaded image as stored in the file, in pixels.</param>
/// <param name="Inverted">True when the digit was darker than its background (ink on paper) and was turned
/// into a light digit on black.</param>
/// <param name="PassedThrough">True when the upload was already in the model's form (28×28, or 36×36 for MultiMNIST;
/// grey, dark background) and was used as it is, without cropping or rescaling.</param>
public sealed record PreprocessedDigit(
    float[] Pixels, int OriginalWidth, int OriginalHeight, bool Inverted, bool PassedThrough);
