namespace CapsNetService.Inference.Api.Uploads;

/// <summary>Recognises PNG and JPEG files by their first bytes, whatever the client declared.</summary>
public static class ImageSignature
{
    private static ReadOnlySpan<byte> Png => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static ReadOnlySpan<byte> Jpeg => [0xFF, 0xD8, 0xFF];

    public static bool IsPngOrJpeg(ReadOnlySpan<byte> bytes) => bytes.StartsWith(Png) || bytes.StartsWith(Jpeg);
}
