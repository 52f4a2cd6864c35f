using System.Text.RegularExpressions;

namespace CapsNetService.Training.IO;

/// <summary>
/// The temporary files this trainer writes before a rename (<see cref="AtomicFile"/>'s <c>name.tmp</c>, the model
/// publisher's <c>.capsnet.*.tmp</c>, the write probe's <c>.capsnet-write-check-*.tmp</c>), and their removal when a
/// killed run or export left them behind. Only these names are touched; any other file stays.
/// </summary>
public static partial class TemporaryFiles
{
    [GeneratedRegex(@"^(\.capsnet[.-].+|(last|best)\.ckpt|metrics\.(csv|json)|report\.html|(loss|accuracy|reconstructions)\.png)\.tmp$")]
    private static partial Regex Ours();

    public static bool IsOurs(string fileName) => Ours().IsMatch(fileName);

    /// <summary>Deletes our temporary files in <paramref name="folder"/> (not below it) that were last written more than
    /// <paramref name="olderThan"/> ago: zero for a folder only this run writes, a margin for a shared models folder,
    /// where another export may be writing its own right now.</summary>
    /// <returns>The names of the files deleted.</returns>
    public static IReadOnlyList<string> DeleteStale(string folder, TimeSpan olderThan)
    {
        if (!Directory.Exists(folder)) return [];
        var deleted = new List<string>();
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*.tmp"))
        {
            if (!IsOurs(file.Name) || DateTime.UtcNow - file.LastWriteTimeUtc < olderThan) continue;
            try
            {
                file.Delete();
                deleted.Add(file.Name);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for a later run: a file we cannot delete does no harm beyond its space.
            }
        }
        return deleted;
    }
}
