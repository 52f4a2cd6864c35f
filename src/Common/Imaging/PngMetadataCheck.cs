using System.Buffers.Binary;

namespace CapsNetService.Common.Imaging;

/// <summary>
/// Refuses a PNG whose chunks other than the pixel data (IDAT) hold more than
/// <see cref="PreprocessingLimits.MaxPngMetadataBytes"/> in all, by walking the chunk headers before SkiaSharp sees the
/// file. libpng's progressive reader, which SkiaSharp's PNG codec feeds a few kilobytes at a time, gathers every
/// non-IDAT chunk whole by growing and copying a buffer at each piece, so a chunk costs time in the square of its
/// size: found by the hostile-upload corpus (docs/reliability.md), one 8 MiB tEXt chunk in a 28×28 digit took 3–5 s
/// to decode and a 30 MiB one 47 s, against 10 ms without it, wherever it stood in the file and whatever its type.
/// Text, colour profiles and EXIF in real PNGs are kilobytes. A file cut short is left to the decoder to refuse.
/// </summary>
internal static class PngMetadataCheck
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static ReadOnlySpan<byte> ImageData => "IDAT"u8;
    private static ReadOnlySpan<byte> End => "IEND"u8;

    /// <exception cref="ImageRejectedException">The non-IDAT chunks hold more than <paramref name="maxBytes"/>.</exception>
    public static void Check(ReadOnlySpan<byte> encoded, long maxBytes)
    {
        if (!encoded.StartsWith(Signature)) return;
        long metadata = 0;
        long position = Signature.Length;
        while (position + 8 <= encoded.Length)
        {
            var header = encoded.Slice((int)position, 8);
            uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
            var type = header[4..];
            // Not a chunk (PNG lengths stop at 2^31 − 1; types are four ASCII letters): no PNG structure to weigh,
            // so the decoder refuses the file as not an image instead of this counting random lengths as metadata.
            if (length > int.MaxValue || !IsChunkType(type)) return;
            if (!type.SequenceEqual(ImageData))
            {
                metadata += length;
                if (metadata > maxBytes)
                    throw new ImageRejectedException(ImageRejectionReason.TooLarge,
                        $"The PNG file carries more than {maxBytes:N0} bytes besides its pixels (text, colour profile or other "
                        + "metadata chunks); please upload the image without them.");
            }
            if (type.SequenceEqual(End)) return;
            position += 12L + length; // length, type, data, CRC
        }
    }

    private static bool IsChunkType(ReadOnlySpan<byte> type)
    {
        foreach (var b in type)
            if (b is not (>= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z')) return false;
        return true;
    }
}
