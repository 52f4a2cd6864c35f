using Microsoft.Extensions.Logging.Abstractions;

namespace CapsNetService.Inference.Api.Tests.Support;

/// <summary>The service's loading classes, built as the service builds them, without a host.</summary>
public static class Loaders
{
    public static OnnxSessionFactory Sessions(string provider = "cpu") =>
        new(Microsoft.Extensions.Options.Options.Create(new InferenceOptions { Provider = provider }),
            NullLogger<OnnxSessionFactory>.Instance);

    public static OnnxModelLoader Loader(string provider = "cpu", string precision = "fp32") =>
        new(Sessions(provider), TimeProvider.System,
            Microsoft.Extensions.Options.Options.Create(new InferenceOptions { Provider = provider, Precision = precision }));

    /// <summary>Loads the test model pair from bytes (written to a temporary folder and read back as the service does).</summary>
    public static LoadedModel Load(byte[] classifier, byte[] decoder, string provider = "cpu")
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllBytes(Path.Combine(directory.Path, Common.ModelContract.ModelFileName), classifier);
        File.WriteAllBytes(Path.Combine(directory.Path, Common.ModelContract.DecoderFileName), decoder);
        var (classifierFile, decoderFile, _) = OnnxModelLoader.ReadFiles(directory.Path);
        return Loader(provider).Load(classifierFile, decoderFile);
    }
}
