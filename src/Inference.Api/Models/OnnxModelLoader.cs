using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.OnnxRuntime;
using ModelMetadata = CapsNetService.Common.ModelMetadata;

namespace CapsNetService.Inference.Api.Models;

/// <summary>
/// Turns the files of a models folder into a <see cref="LoadedModel"/>, or refuses them: both graphs must load,
/// keep the <see cref="ModelContract"/> on their kind's image side (<see cref="ModelKindContract"/>), carry
/// <see cref="ModelMetadata"/> of that kind from the same checkpoint, and pass the <see cref="SmokeTest"/>. Nothing half-made escapes: a refused pair's sessions are disposed.
/// <para>The MNIST classifier that runs follows <c>Inference:Precision</c>: the int8 graph (<see cref="ModelContract.Int8ModelFileName"/>,
/// always on the CPU provider) when it is wanted, loads, keeps the contract, comes from the same checkpoint and its
/// metadata says it passed its accuracy check; with <c>auto</c> only when the decoder landed on the CPU provider too,
/// and any problem with it means the float32 graph, with a log line. The MultiMNIST model has no int8 graph.</para>
/// </summary>
public sealed class OnnxModelLoader(OnnxSessionFactory sessions, TimeProvider clock,
                                    IOptions<InferenceOptions>? options = null, ILogger<OnnxModelLoader>? logger = null)
{
    private readonly ModelPrecision _precision = options?.Value.PrecisionPreference ?? ModelPrecision.Fp32;
    private readonly ILogger _logger = (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>The int8 graph of <paramref name="kind"/> (default: MNIST) in <paramref name="directory"/> as
    /// <c>Inference:Precision</c> wants it: null with <c>fp32</c> or for a kind without one; otherwise the file, or why
    /// it cannot be read.</summary>
    public Int8Candidate? ReadInt8(string directory, ModelKindContract? kind = null)
    {
        if (_precision == ModelPrecision.Fp32 || (kind ?? ModelKindContract.Mnist).Int8ModelFileName is not { } name) return null;
        try
        {
            return new Int8Candidate(ModelFile.Read(directory, name), null);
        }
        catch (ModelRejectedException e)
        {
            return new Int8Candidate(null, e.Message);
        }
    }

    /// <summary>Reads the classifier and decoder files of <paramref name="directory"/> (of <paramref name="kind"/>; null:
    /// MNIST), and the SHA-256 their sidecar recorded for each graph at publish (<see cref="Load"/> checks them).</summary>
    /// <returns>The files, and the recorded hashes: null without a sidecar or from one written before they were recorded.</returns>
    /// <exception cref="ModelRejectedException">A file is missing or unreadable, or the sidecar cannot be read.</exception>
    public static (ModelFile Classifier, ModelFile Decoder, PublishedFileHashes? Recorded) ReadFiles(string directory, ModelKindContract? kind = null)
    {
        kind ??= ModelKindContract.Mnist;
        return (ModelFile.Read(directory, kind.ModelFileName), ModelFile.Read(directory, kind.DecoderFileName), ReadRecordedHashes(directory, kind));
    }

    private static PublishedFileHashes? ReadRecordedHashes(string directory, ModelKindContract kind)
    {
        var path = Path.Combine(directory, kind.MetadataFileName);
        byte[] json;
        try
        {
            if (!File.Exists(path)) return null;
            // Read through a bound: a link to some endless file of the machine must not be read whole.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var buffer = new byte[MaxSidecarBytes + 1];
            int read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (read > MaxSidecarBytes)
                throw new ModelRejectedException($"{kind.MetadataFileName} is over {MaxSidecarBytes:N0} bytes: not a model's sidecar, so the files cannot be checked against it");
            json = buffer[..read];
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelRejectedException($"{kind.MetadataFileName} cannot be read ({e.GetType().Name}), so the files cannot be checked against it", e);
        }
        try
        {
            return ModelMetadata.FromJson(System.Text.Encoding.UTF8.GetString(json)).Files;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException)
        {
            throw new ModelRejectedException($"{kind.MetadataFileName} is not a model's sidecar ({e.Message}), so the files cannot be checked against it", e);
        }
    }

    /// <summary>A sidecar is a few KB.</summary>
    private const int MaxSidecarBytes = 1 << 20;

    /// <summary>The last check, after every other one passed: a file that differs from what was published is refused
    /// even when it still loads and runs. While a publish is under way a stale sidecar refuses the new files only until
    /// the publisher's last rename; the next look at the folder loads them.</summary>
    private static void RequireRecorded(ModelFile file, string? recorded, ModelKindContract kind)
    {
        if (recorded is null)
            throw new ModelRejectedException(
                $"{kind.MetadataFileName} records no SHA-256 for {file.Name}, so it was not published with this model; "
                + $"publish the model's files together (capsnet-train export --out, train --publish, quantize), or remove {kind.MetadataFileName} to serve them unchecked");
        if (!string.Equals(file.Sha256, recorded, StringComparison.OrdinalIgnoreCase))
            throw new ModelRejectedException(
                $"{file.Name} is not the file {kind.MetadataFileName} records (SHA-256 {Short(file.Sha256)}, recorded {Short(recorded)}): "
                + $"damaged, or published without its {kind.MetadataFileName}; publish the model's files together "
                + $"(capsnet-train export --out, train --publish, quantize), or remove {kind.MetadataFileName} to serve them unchecked");
    }

    /// <param name="kind">The kind the files must be; null: MNIST.</param>
    /// <exception cref="ModelRejectedException">The pair cannot be served; the message says why.</exception>
    /// <param name="int8">The MNIST model's int8 graph (<see cref="ReadInt8"/>), when one was read.</param>
    /// <param name="recorded">The hashes the sidecar recorded (<see cref="ReadFiles"/>); every file served must match them.</param>
    public LoadedModel Load(ModelFile classifierFile, ModelFile decoderFile, ModelKindContract? kind = null, Int8Candidate? int8 = null,
                            PublishedFileHashes? recorded = null)
    {
        kind ??= ModelKindContract.Mnist;
        var started = Stopwatch.GetTimestamp();
        OnnxSessionFactory.CreatedSession? classifierSession = null, decoderSession = null;
        CapsNetClassifier? classifier = null;
        CapsNetDecoder? decoder = null;
        try
        {
            // The decoder first: the provider it lands on decides whether `auto` may take the int8 classifier.
            decoderSession = sessions.Create(decoderFile.Bytes, decoderFile.Name);
            ContractCheck.CheckDecoder(decoderSession.Session, kind);
            var decoderMetadata = ReadMetadata(decoderSession.Session, decoderFile.Name);

            ModelFile? int8File = null;
            string? precisionFallback = null;
            ModelMetadata metadata;
            if (kind.Int8ModelFileName is { } int8Name && Int8Wanted(int8Name, decoderSession, int8, out precisionFallback))
            {
                try
                {
                    (classifierSession, metadata) = LoadInt8(int8!, decoderMetadata, recorded);
                    int8File = int8!.File;
                }
                catch (ModelRejectedException e) when (_precision == ModelPrecision.Auto)
                {
                    precisionFallback = e.Message;
                    _logger.LogWarning("Inference:Precision=auto: not serving {File}, the float32 graph runs instead: {Reason}",
                                       int8Name, e.Message);
                }
            }
            if (int8File is null)
            {
                classifierSession = sessions.Create(classifierFile.Bytes, classifierFile.Name);
                ContractCheck.CheckClassifier(classifierSession.Session, kind, classifierFile.Name);
                metadata = ReadMetadata(classifierSession.Session, classifierFile.Name);
                RequireSameCheckpoint(metadata, classifierFile.Name, decoderMetadata, decoderFile.Name);
            }
            else
            {
                metadata = decoderMetadata with { Int8 = ReadMetadata(classifierSession!.Session, int8File.Name).Int8 };
            }
            if (metadata.KindOrDefault != kind.Kind)
                throw new ModelRejectedException(
                    $"{classifierFile.Name} says it is a '{metadata.KindOrDefault}' model; {kind.ModelFileName} must be a '{kind.Kind}' model");

            classifier = new CapsNetClassifier(classifierSession!.Session, metadata.Rejection?.Rule, kind);
            decoder = new CapsNetDecoder(decoderSession.Session, kind);
            SmokeTest.Run(classifier, decoder);
            if (recorded is not null)
            {
                RequireRecorded(classifierFile, recorded.Classifier, kind);
                RequireRecorded(decoderFile, recorded.Decoder, kind);
            }

            return new LoadedModel(classifier, decoder, metadata, classifierFile, decoderFile,
                classifierSession.ExecutionProvider, classifierSession.FallbackReason ?? decoderSession.FallbackReason, clock.GetUtcNow(),
                Stopwatch.GetElapsedTime(started), int8?.File, int8File is not null, precisionFallback);
        }
        catch
        {
            // The wrappers own their sessions (and their RunOptions); a session not yet wrapped is disposed alone.
            if (classifier is not null) classifier.Dispose(); else classifierSession?.Session.Dispose();
            if (decoder is not null) decoder.Dispose(); else decoderSession?.Session.Dispose();
            throw;
        }
    }

    /// <summary>Whether to try the int8 graph; when not, with <c>auto</c>, why not (for GET /model).</summary>
    /// <exception cref="ModelRejectedException"><c>int8</c> is required but there is no int8 file.</exception>
    private bool Int8Wanted(string int8Name, OnnxSessionFactory.CreatedSession decoderSession, Int8Candidate? int8, out string? whyNot)
    {
        whyNot = null;
        switch (_precision)
        {
            case ModelPrecision.Fp32:
                return false;
            case ModelPrecision.Int8 when int8?.File is null:
                throw new ModelRejectedException(
                    $"Inference:Precision=int8 but {int8?.Problem ?? int8Name + " was not read"}; "
                    + $"write it with `capsnet-train quantize`, or set Inference:Precision to auto or fp32");
            case ModelPrecision.Int8:
                return true;
        }
        if (decoderSession.ExecutionProvider != OnnxSessionFactory.CpuProvider)
            whyNot = $"the model runs on {decoderSession.ExecutionProvider}; the int8 graph is for the CPU provider";
        else if (int8?.File is null)
            whyNot = int8?.Problem ?? $"{int8Name} was not read";
        if (whyNot is null) return true;
        _logger.LogInformation("Inference:Precision=auto: the float32 graph runs ({Reason})", whyNot);
        return false;
    }

    /// <exception cref="ModelRejectedException">The int8 graph cannot be served.</exception>
    private (OnnxSessionFactory.CreatedSession Session, ModelMetadata Metadata) LoadInt8(Int8Candidate int8, ModelMetadata decoderMetadata,
                                                                                         PublishedFileHashes? recorded)
    {
        var file = int8.File!;
        var created = sessions.CreateOnCpu(file.Bytes, file.Name);
        try
        {
            ContractCheck.CheckClassifier(created.Session, ModelKindContract.Mnist, file.Name);
            var metadata = ReadMetadata(created.Session, file.Name);
            RequireSameCheckpoint(metadata, file.Name, decoderMetadata, ModelContract.DecoderFileName);
            if (metadata.Int8 is not { } q)
                throw new ModelRejectedException($"{file.Name} carries no int8 accuracy check in its metadata; write it with `capsnet-train quantize`");
            if (!q.Passed)
                throw new ModelRejectedException(
                    $"{file.Name} scored {q.TestAccuracy:P2} on the test set against the float32 graph's {q.Fp32TestAccuracy:P2}: "
                    + $"more than {Int8Quantization.MaxAccuracyLoss * 100:0.##} points lost");
            if (recorded is not null) RequireRecorded(file, recorded.Int8Classifier, ModelKindContract.Mnist);
            return (created, metadata);
        }
        catch
        {
            created.Session.Dispose();
            throw;
        }
    }

    private static void RequireSameCheckpoint(ModelMetadata metadata, string fileName, ModelMetadata decoderMetadata, string decoderFileName)
    {
        if (!string.Equals(metadata.CheckpointSha256, decoderMetadata.CheckpointSha256, StringComparison.OrdinalIgnoreCase))
            throw new ModelRejectedException(
                $"{decoderFileName} comes from checkpoint {Short(decoderMetadata.CheckpointSha256)} but {fileName} "
                + $"from {Short(metadata.CheckpointSha256)}: the pair does not belong together");
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

    /// <summary>
    /// Checks that a session's graph has the inputs and outputs of <see cref="ModelContract"/>: names, float32 element
    /// type, and shapes (images of the kind's side) with a dynamic batch dimension first.
    /// </summary>
    private static class ContractCheck
    {
        private static int[] ImageShape(ModelKindContract kind) => [-1, 1, kind.ImageSide, kind.ImageSide];
        private static readonly int[] ProbabilitiesShape = [-1, ModelContract.Classes];
        private static readonly int[] CapsulesShape = [-1, ModelContract.Classes, ModelContract.CapsuleDims];

        /// <exception cref="ModelRejectedException">The classifier graph breaks the contract.</exception>
        public static void CheckClassifier(InferenceSession session, ModelKindContract kind, string file)
        {
            Require(file, "input", session.InputMetadata, ModelContract.ImageInput, ImageShape(kind));
            Require(file, "output", session.OutputMetadata, ModelContract.ProbabilitiesOutput, ProbabilitiesShape);
            Require(file, "output", session.OutputMetadata, ModelContract.CapsulesOutput, CapsulesShape);
            Require(file, "output", session.OutputMetadata, ModelContract.ReconstructionOutput, ImageShape(kind));
        }

        /// <exception cref="ModelRejectedException">The decoder graph breaks the contract.</exception>
        public static void CheckDecoder(InferenceSession session, ModelKindContract kind)
        {
            var file = kind.DecoderFileName;
            Require(file, "input", session.InputMetadata, ModelContract.DecoderCapsulesInput, CapsulesShape);
            Require(file, "output", session.OutputMetadata, ModelContract.ReconstructionOutput, ImageShape(kind));
        }

        private static void Require(string file, string kind, IReadOnlyDictionary<string, NodeMetadata> nodes, string name, int[] shape)
        {
            if (!nodes.TryGetValue(name, out var node))
                throw new ModelRejectedException(
                    $"{file} has no {kind} named '{name}' (it has {string.Join(", ", nodes.Keys.Select(k => $"'{k}'"))})");
            if (!node.IsTensor || node.ElementDataType != TensorElementType.Float)
                throw new ModelRejectedException(
                    $"{file}: {kind} '{name}' is {(node.IsTensor ? node.ElementDataType.ToString() : node.OnnxValueType.ToString())}, not a float32 tensor");
            var dims = node.Dimensions;
            bool matches = dims.Length == shape.Length && dims[0] < 0;
            for (int i = 1; matches && i < shape.Length; i++) matches = dims[i] == shape[i];
            if (!matches)
                throw new ModelRejectedException(
                    $"{file}: {kind} '{name}' has shape {Format(dims)}; the service needs {Format(shape)} with a dynamic batch dimension N");
        }

        private static string Format(int[] dims) => "[" + string.Join(", ", dims.Select(d => d < 0 ? "N" : d.ToString())) + "]";
    }

    /// <summary>
    /// The test inference a model pair must pass before it serves: a blank image and a drawn ring (a plausible "0")
    /// go through the classifier in one batch; every output must be finite and in range, and the decoder, given the
    /// classifier's capsules masked to the longest one, must redraw the classifier's own reconstruction.
    /// </summary>
    public static class SmokeTest
    {
        /// <summary>How far the decoder graph's image may be from the classifier graph's (they share the weights).</summary>
        public const float DecoderTolerance = 1e-3f;

        private const float LengthSlack = 1e-3f;

        /// <exception cref="ModelRejectedException">An output is missing, out of range, or the pair disagrees.</exception>
        public static void Run(CapsNetClassifier classifier, CapsNetDecoder decoder)
        {
            var kind = classifier.Kind;
            int imagePixels = kind.ImagePixels;
            float[][] images = [new float[imagePixels], Ring(kind.ImageSide)];
            DigitPrediction[] predictions;
            try
            {
                predictions = classifier.Classify(images);
            }
            catch (Exception e) when (e is Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
            {
                throw new ModelRejectedException($"{kind.ModelFileName} fails its test inference: {e.Message}", e);
            }

            var masked = new float[images.Length * ModelContract.Classes * ModelContract.CapsuleDims];
            for (int n = 0; n < predictions.Length; n++)
            {
                var p = predictions[n];
                RequireRange(kind, p.Probabilities, 0, 1 + LengthSlack, "probabilities");
                RequireRange(kind, p.Capsules, -1 - LengthSlack, 1 + LengthSlack, "capsules");
                RequireRange(kind, p.Reconstruction, 0, 1, "reconstruction");
                int at = p.Digit * ModelContract.CapsuleDims;
                p.Capsules.AsSpan(at, ModelContract.CapsuleDims).CopyTo(masked.AsSpan(n * p.Capsules.Length + at));
            }

            float[] decoded;
            try
            {
                decoded = decoder.Decode(masked);
            }
            catch (Exception e) when (e is Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
            {
                throw new ModelRejectedException($"{kind.DecoderFileName} fails its test inference: {e.Message}", e);
            }
            if (decoded.Length != images.Length * imagePixels)
                throw new ModelRejectedException($"{kind.DecoderFileName} returned {decoded.Length} values for {images.Length} images");
            float worst = 0;
            for (int n = 0; n < predictions.Length; n++)
            for (int i = 0; i < imagePixels; i++)
                worst = MathF.Max(worst, MathF.Abs(decoded[n * imagePixels + i] - predictions[n].Reconstruction[i]));
            if (!(worst <= DecoderTolerance))
                throw new ModelRejectedException(
                    $"{kind.DecoderFileName} does not redraw what {kind.ModelFileName} reconstructs "
                    + $"(largest difference {worst:G3}, tolerance {DecoderTolerance}): the two files are not one model");
        }

        private static void RequireRange(ModelKindContract kind, float[] values, float min, float max, string output)
        {
            foreach (var v in values)
                if (!(v >= min && v <= max))
                    throw new ModelRejectedException(
                        $"{kind.ModelFileName} fails its test inference: output '{output}' holds {v}, outside [{min}, {max}]");
        }

        /// <summary>An anti-aliased ellipse about the size and stroke of an MNIST zero, centred in the image.</summary>
        private static float[] Ring(int side)
        {
            var pixels = new float[side * side];
            float cx = (side - 1) / 2f, cy = (side - 1) / 2f;
            const float rx = 6f, ry = 8.5f, halfStroke = 1.6f;
            for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++)
            {
                float dx = (x - cx) / rx, dy = (y - cy) / ry;
                float distance = MathF.Abs(MathF.Sqrt(dx * dx + dy * dy) - 1) * MathF.Min(rx, ry);
                pixels[y * side + x] = Math.Clamp(halfStroke + 0.5f - distance, 0, 1);
            }
            return pixels;
        }
    }
}

/// <summary>
/// A published model that the service will not serve: a file is missing, does not load, breaks the
/// <see cref="Common.ModelContract"/>, or fails its test inference. The message says what is wrong in words meant
/// for an operator (it is shown by GET /model and logged); it names files but never their folder.
/// </summary>
public sealed class ModelRejectedException : Exception
{
    public ModelRejectedException(string message) : base(message) { }

    public ModelRejectedException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>The int8 classifier file, or why it could not be read (missing, unreadable).</summary>
public sealed record Int8Candidate(ModelFile? File, string? Problem);
