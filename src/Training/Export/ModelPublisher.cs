using CapsNetService.Common;
using CapsNetService.Training.IO;

namespace CapsNetService.Training.Export;

/// <summary>
/// Puts an exported model into a models folder so that a running service never sees half of it: every file is
/// written to a temporary name in the same folder and renamed into place; the decoder and the metadata go first,
/// the classifier (the file the service watches) last. Nothing already there is touched until the new files
/// are complete, and a failure removes the temporary files. The sidecar records each graph's SHA-256
/// (<see cref="ModelMetadata.Files"/>), which the service checks the files against before it serves them.
/// </summary>
public static class ModelPublisher
{
    /// <summary>A staged file is written in seconds and renamed at once; one untouched this long was left by a killed export.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(10);

    /// <summary>Writes the files of <paramref name="metadata"/>'s kind (<see cref="ModelKindContract.Of"/>); a folder holds
    /// one model of each kind side by side, and publishing one never touches the other's files.</summary>
    public static void Publish(string directory, byte[] classifier, byte[] decoder, ModelMetadata metadata)
    {
        var files = ModelKindContract.Of(metadata.KindOrDefault);
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot create the models folder {directory}: {e.Message}", e);
        }

        // Left by an export that was killed; a margin spares the files of another export writing into this folder now.
        TemporaryFiles.DeleteStale(directory, StaleAfter);

        var staged = new List<(string Temp, string Final)>();
        try
        {
            staged.Add(Stage(directory, files.DecoderFileName, decoder));
            var sidecar = metadata with { Files = new PublishedFileHashes(PublishedFileHashes.Of(classifier), PublishedFileHashes.Of(decoder)) };
            staged.Add(Stage(directory, files.MetadataFileName, System.Text.Encoding.UTF8.GetBytes(sidecar.ToJson())));
            staged.Add(Stage(directory, files.ModelFileName, classifier));
            foreach (var (temp, final) in staged) File.Move(temp, final, overwrite: true);
            // The kind's int8 graph there belongs to the model just replaced (the service would refuse it anyway).
            if (files.Int8ModelFileName is { } int8) File.Delete(Path.Combine(directory, int8));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            foreach (var (temp, _) in staged) TryDelete(temp);
            throw new IOException($"cannot publish the model into {directory}: {e.Message}; the models already there are unchanged", e);
        }
    }

    /// <summary>Publishes an int8 classifier beside the float32 model: the int8 file first, then capsnet.json with its
    /// figures and the three graphs' hashes; the float32 files are not touched.</summary>
    /// <param name="classifier">The float32 classifier the int8 graph was made from (its hash is recorded).</param>
    public static void PublishInt8(string directory, byte[] int8Classifier, ModelMetadata metadata, byte[] classifier)
    {
        TemporaryFiles.DeleteStale(directory, StaleAfter);
        var staged = new List<(string Temp, string Final)>();
        try
        {
            var decoder = File.ReadAllBytes(Path.Combine(directory, ModelContract.DecoderFileName));
            var sidecar = metadata with
            {
                Files = new PublishedFileHashes(PublishedFileHashes.Of(classifier), PublishedFileHashes.Of(decoder), PublishedFileHashes.Of(int8Classifier)),
            };
            staged.Add(Stage(directory, ModelContract.Int8ModelFileName, int8Classifier));
            staged.Add(Stage(directory, ModelContract.MetadataFileName, System.Text.Encoding.UTF8.GetBytes(sidecar.ToJson())));
            foreach (var (temp, final) in staged) File.Move(temp, final, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            foreach (var (temp, _) in staged) TryDelete(temp);
            throw new IOException($"cannot publish the int8 model into {directory}: {e.Message}; the models already there are unchanged", e);
        }
    }

    private static (string Temp, string Final) Stage(string directory, string name, byte[] bytes)
    {
        var temp = Path.Combine(directory, $".{name}.{Guid.NewGuid():N}.tmp");
        try
        {
            using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write);
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        return (temp, Path.Combine(directory, name));
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
