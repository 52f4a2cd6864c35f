using System.Text;

namespace CapsNetService.Training.IO;

/// <summary>
/// Writes a file so that a reader (a browser on report.html, a resume after a crash) sees either the old content or
/// the new, never half of it: the bytes go to <c>name.tmp</c> in the same folder, are flushed to disk, and the temporary
/// file is then renamed over the target, which is atomic on one file system.
/// </summary>
public static class AtomicFile
{
    private static readonly Encoding Utf8NoBom = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    public static void WriteAllText(string path, string contents) =>
        Write(path, stream =>
        {
            var bytes = Utf8NoBom.GetBytes(contents);
            stream.Write(bytes);
        });

    public static void WriteAllBytes(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Calls <paramref name="write"/> with a stream on the temporary file, then moves it over
    /// <paramref name="path"/>. If <paramref name="write"/> throws, the target is left untouched and the temporary file
    /// is deleted. The folder is created when missing.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);

        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)
            ?? throw new ArgumentException($"'{path}' has no parent folder.", nameof(path));
        Directory.CreateDirectory(directory);
        string temporaryPath = fullPath + ".tmp";

        try
        {
            using (var stream = new FileStream(temporaryPath, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporaryPath, fullPath, overwrite: true);
        }
        catch (IOException e)
        {
            // A full disk or a read-only folder: say which file could not be written, and that the old one stands.
            TryDelete(temporaryPath);
            throw new IOException($"cannot write {fullPath} ({e.Message}); the file already there is unchanged", e);
        }
        catch (UnauthorizedAccessException e)
        {
            TryDelete(temporaryPath);
            throw new UnauthorizedAccessException($"cannot write {fullPath} ({e.Message}); the file already there is unchanged", e);
        }
        catch
        {
            TryDelete(temporaryPath);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
