namespace CapsNetService.Training.IO;

/// <summary>
/// CRC-32 (IEEE 802.3, the zip format's), to check a zip entry against the checksum its archive records: .NET's
/// ZipArchive does not, so a bit flipped inside a stored entry would otherwise be read as good data.
/// </summary>
public static class Crc32
{
    private static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    /// <summary>Folds <paramref name="data"/> into a running CRC; start with 0, the result is the CRC so far.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        crc = ~crc;
        foreach (byte b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    public static uint Of(Stream stream)
    {
        var buffer = new byte[1 << 16];
        uint crc = 0;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0) crc = Append(crc, buffer.AsSpan(0, read));
        return crc;
    }
}
