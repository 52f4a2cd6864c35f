using System.Security.Cryptography;

namespace CapsNetService.Common;

/// <summary>
/// The SHA-256 (lower-case hex) of each graph file published with a model's sidecar (<c>capsnet.json</c>,
/// <c>multimnist.json</c>). Recorded in the sidecar only, since a file cannot carry its own hash; the service refuses
/// a graph whose bytes do not match, which catches a damaged file that still parses and serves (a few weights changed)
/// and a half-finished copy of a models folder.
/// </summary>
/// <param name="Int8Classifier">The int8 graph's hash (<c>capsnet-train quantize</c>); null when none was published.</param>
public sealed record PublishedFileHashes(string Classifier, string Decoder, string? Int8Classifier = null)
{
    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>For tools that replace one graph file by hand as the trainer publishes it (the sidecar first, then the
    /// graph): the sidecar of the kind that owns <paramref name="fileName"/> in <paramref name="directory"/>, rewritten
    /// with that graph's hash set to <paramref name="bytes"/>'s; null when the file is none of a kind's graphs, or there
    /// is no sidecar, or it records no hashes.</summary>
    public static (string FileName, string Json)? RecordIn(string directory, string fileName, ReadOnlySpan<byte> bytes)
    {
        foreach (var kind in new[] { ModelKindContract.Mnist, ModelKindContract.MultiMnist })
        {
            var path = Path.Combine(directory, kind.MetadataFileName);
            if (!File.Exists(path) || ModelMetadata.FromJson(File.ReadAllText(path)) is not { Files: { } files } sidecar) continue;
            string hash = Of(bytes);
            PublishedFileHashes? updated = fileName == kind.ModelFileName ? files with { Classifier = hash }
                : fileName == kind.DecoderFileName ? files with { Decoder = hash }
                : fileName == kind.Int8ModelFileName ? files with { Int8Classifier = hash }
                : null;
            if (updated is not null) return (kind.MetadataFileName, (sidecar with { Files = updated }).ToJson());
        }
        return null;
    }
}
