namespace CapsNetService.Common;

/// <summary>
/// What differs between the model kinds a models folder can hold: the kind's name, its image side, its three file
/// names and its int8 graph's, if the kind has one. Everything else (tensor names, 10 digit capsules of 16 values, the decoder graph) is <see cref="ModelContract"/>'s.
/// </summary>
public sealed record ModelKindContract(
    string Kind, int ImageSide, string ModelFileName, string DecoderFileName, string MetadataFileName, string? Int8ModelFileName = null)
{
    public int ImagePixels => ImageSide * ImageSide;

    /// <summary>One MNIST digit per 28×28 image: capsnet.onnx, capsnet.decoder.onnx, capsnet.json.</summary>
    public static ModelKindContract Mnist { get; } = new(ModelKinds.Mnist, ModelContract.ImageSide,
        ModelContract.ModelFileName, ModelContract.DecoderFileName, ModelContract.MetadataFileName, ModelContract.Int8ModelFileName);

    /// <summary>Two overlapping digits per 36×36 image: multimnist.onnx, multimnist.decoder.onnx, multimnist.json.</summary>
    public static ModelKindContract MultiMnist { get; } = new(ModelKinds.MultiMnist, MultiMnistContract.ImageSide,
        MultiMnistContract.ModelFileName, MultiMnistContract.DecoderFileName, MultiMnistContract.MetadataFileName);

    /// <param name="kind">A <see cref="ModelKinds"/> name (<see cref="ModelMetadata.KindOrDefault"/>).</param>
    public static ModelKindContract Of(string kind) => kind == ModelKinds.MultiMnist ? MultiMnist : Mnist;
}
