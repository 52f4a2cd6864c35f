using System.Diagnostics;
using CapsNetService.Common;
using Microsoft.ML.OnnxRuntime;
using ModelMetadata = CapsNetService.Common.ModelMetadata;

namespace CapsNetService.Inference.Api.Inference;

/// <summary>
/// Turns the files of a models folder into a <see cref="LoadedModel"/>, or refuses them: both graphs must load,
/// keep the <see cref="ModelContract"/>, carry <see cref="ModelMetadata"/> from the same checkpoint, and pass the
/// <see cref="ModelSmokeTest"/>. Nothing half-made escapes: a refused pair's sessions are disposed.
/// </summary>
public sealed class OnnxModelLoader(OnnxSessionFactory sessions, TimeProvider clock)
{
    /// <summary>Reads the classifier and decoder files of <paramref name="directory"/>.</summary>
    /// <exception cref="ModelRejectedException">A file is missing or unreadable.</exception>
    public static (ModelFile Classifier, ModelFile Decoder) ReadFiles(string directory) =>
        (ModelFile.Read(directory, ModelContract.ModelFileName), ModelFile.Read(directory, ModelContract.DecoderFileName));

    /// <exception cref="ModelRejectedException">The pair cannot be served; the message says why.</exception>
    public LoadedModel Load(ModelFile classifierFile, ModelFile decoderFile)
    {
        var started = Stopwatch.GetTimestamp();
        CreatedSession? classifierSession = null, decoderSession = null;
        CapsNetClassifier? classifier = null;
        CapsNetDecoder? decoder = null;
        try
        {
            classifierSession = sessions.Create(classifierFile.Bytes, classifierFile.Name);
            ModelContractCheck.CheckClassifier(classifierSession.Session);
            decoderSession = sessions.Create(decoderFile.Bytes, decoderFile.Name);
            ModelContractCheck.CheckDecoder(decoderSession.Session);

            var metadata = ReadMetadata(classifierSession.Session, classifierFile.Name);
            var decoderMetadata = ReadMetadata(decoderSession.Session, decoderFile.Name);
            if (!string.Equals(metadata.CheckpointSha256, decoderMetadata.CheckpointSha256, StringComparison.OrdinalIgnoreCase))
                throw new ModelRejectedException(
                    $"{decoderFile.Name} comes from checkpoint {Short(decoderMetadata.CheckpointSha256)} but {classifierFile.Name} "
                    + $"from {Short(metadata.CheckpointSha256)}: the pair does not belong together");

            classifier = new CapsNetClassifier(classifierSession.Session);
            decoder = new CapsNetDecoder(decoderSession.Session);
            ModelSmokeTest.Run(classifier, decoder);

            return new LoadedModel(classifier, decoder, metadata, classifierFile, decoderFile,
                classifierSession.ExecutionProvider, classifierSession.FallbackReason, clock.GetUtcNow(),
                Stopwatch.GetElapsedTime(started));
        }
        catch
        {
            // The wrappers own their sessions (and their RunOptions); a session not yet wrapped is disposed alone.
            if (classifier is not null) classifier.Dispose(); else classifierSession?.Session.Dispose();
            if (decoder is not null) decoder.Dispose(); else decoderSession?.Session.Dispose();
            throw;
        }
    }

    private static ModelMetadata ReadMetadata(InferenceSession session, string fileName)
    {
        Dictionary<string, string> properties;
        try
        {
            properties = new Dictionary<string, string>(session.ModelMetadata.CustomMetadataMap);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelRejectedException($"{fileName}: its metadata cannot be read: {e.Message}", e);
        }
        try
        {
            return ModelMetadata.FromProperties(properties);
        }
        catch (InvalidDataException e)
        {
            throw new ModelRejectedException(
                $"{fileName} lacks the CapsNet metadata (metadata_props '{ModelMetadata.KeyPrefix}*'): {e.Message}", e);
        }
    }

    private static string Short(string sha256) => sha256.Length > 12 ? sha256[..12] : sha256;
}
