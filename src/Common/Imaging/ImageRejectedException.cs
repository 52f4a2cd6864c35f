namespace CapsNetService.Common.Imaging;

/// <summary>
/// An upload that cannot be turned into a digit. <see cref="Exception.Message"/> is a sentence meant for the
/// person who uploaded the image; it never names files or internals, so a service may show it as it is.
/// </summary>
public sealed class ImageRejectedException : Exception
{
    public ImageRejectedException(ImageRejectionReason reason, string message)
        : base(message) => Reason = reason;

    public ImageRejectedException(ImageRejectionReason reason, string message, Exception innerException)
        : base(message, innerException) => Reason = reason;

    public ImageRejectionReason Reason { get; }
}
