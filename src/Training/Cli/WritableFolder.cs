namespace CapsNetService.Training.Cli;

/// <summary>
/// Checks, before any training, that a folder the run will write into can be written: created if missing, then a
/// one-byte probe file written, flushed to disk and deleted. Without it an unwritable or full --output folder is only
/// found when the first checkpoint is saved, and an unwritable --publish folder at the very end of the run.
/// </summary>
public static class WritableFolder
{
    /// <param name="option">The option that named the folder, for the message (e.g. <c>--output</c>).</param>
    /// <exception cref="IOException">The folder cannot be created or written; the message names it and the option.</exception>
    public static void Require(string path, string option)
    {
        var folder = Path.GetFullPath(path);
        var probe = Path.Combine(folder, $".capsnet-write-check-{Environment.ProcessId}.tmp");
        try
        {
            Directory.CreateDirectory(folder);
            using (var file = new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.WriteByte(0);
                file.Flush(flushToDisk: true);
            }
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(probe); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw new IOException($"the {option} folder {folder} cannot be written ({e.Message}); nothing was trained", e);
        }
    }
}
