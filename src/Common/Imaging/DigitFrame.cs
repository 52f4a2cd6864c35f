namespace CapsNetService.Common.Imaging;

/// <summary>
/// The frame a preprocessed image is put into: a square of <see cref="Side"/> pixels, in which the ink's bounding box
/// is scaled so that its longer side is <see cref="BoxSide"/> and its centre of mass lands on the middle.
/// </summary>
/// <param name="Side">The model's image side; an upload of exactly this size, grey on a dark border, passes through.</param>
/// <param name="BoxSide">The longer side of the ink once framed.</param>
public sealed record DigitFrame(int Side, int BoxSide)
{
    /// <summary>MNIST's own frame: a 20-pixel box in 28×28, its centre of mass on (14, 14).</summary>
    public static DigitFrame Mnist { get; } = new(ModelContract.ImageSide, 20);

    /// <summary>
    /// MultiMNIST's 36×36 frame with a 23-pixel box, the size of a typical generated pair: each digit's ink is MNIST's
    /// 20-pixel box and the two digits are shifted independently by up to ±4 px, so that their union spans 20 plus the
    /// difference of the two shifts along each axis. 23 is the median of the longer side of a generated test pair's ink
    /// (OverlappingDigitsPreprocessingTests measures it), so that a drawing is framed as the model's training pairs were.
    /// </summary>
    public static DigitFrame MultiMnist { get; } = new(MultiMnistContract.ImageSide, 23);

    public int Pixels => Side * Side;

    /// <summary>Where the centre of mass is put (pixel indices, as MNIST's 14 in 28×28).</summary>
    internal float Centre => Side / 2f;
}
