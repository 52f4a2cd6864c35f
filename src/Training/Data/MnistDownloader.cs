using System.IO.Compression;
using System.Security.Cryptography;
using CapsNetService.Training.IO;

namespace CapsNetService.Training.Data;

/// <summary>
/// Fetches missing MNIST files from public mirrors, trying each in turn, and keeps a file only when its
/// uncompressed content has the expected MD5. Files are written atomically, so an interrupted download
/// leaves nothing half-written behind.
/// </summary>
public sealed class MnistDownloader(HttpClient http, IReadOnlyList<string> mirrors, Action<string>? log = null)
{
    public async Task DownloadMissingAsync(string directory, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        foreach (var spec in MnistFiles.All)
        {
            if (MnistFiles.Find(directory, spec) is not null) continue;
            await DownloadAsync(directory, spec, cancellationToken);
        }
    }

    private async Task DownloadAsync(string directory, MnistFiles.FileSpec spec, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        var target = Path.Combine(directory, spec.Name + ".gz");
        foreach (var mirror in mirrors)
        {
            var url = mirror.TrimEnd('/') + "/" + spec.Name + ".gz";
            log?.Invoke($"Downloading {url}");
            try
            {
                var bytes = await http.GetByteArrayAsync(url, cancellationToken);
                var md5 = ContentMd5(bytes);
                if (md5 != spec.ContentMd5)
                {
                    failures.Add($"{url}: content MD5 {md5}, expected {spec.ContentMd5}");
                    continue;
                }
                AtomicFile.WriteAllBytes(target, bytes);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or InvalidDataException or TaskCanceledException
                                        && !cancellationToken.IsCancellationRequested)
            {
                failures.Add($"{url}: {e.Message}");
            }
        }
        throw new MnistUnavailableException(
            $"MNIST file {spec.Name}(.gz) is not in {Path.GetFullPath(directory)} and no mirror could provide it:"
            + Environment.NewLine + string.Join(Environment.NewLine, failures.Select(f => "  " + f))
            + Environment.NewLine + "Put the four MNIST files (" + string.Join(", ", MnistFiles.All.Select(f => f.Name + ".gz"))
            + ") in that folder, or name another with --data-dir.");
    }

    /// <summary>MD5 of the gunzipped bytes (or of the bytes themselves when they are not gzip).</summary>
    public static string ContentMd5(byte[] bytes)
    {
        using var md5 = MD5.Create();
        if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            return Convert.ToHexStringLower(md5.ComputeHash(gzip));
        }
        return Convert.ToHexStringLower(md5.ComputeHash(bytes));
    }
}
