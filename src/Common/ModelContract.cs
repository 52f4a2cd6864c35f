namespace CapsNetService.Common;

/// <summary>
/// The ONNX model contract shared by the trainer (which exports it) and the service (which runs it).
/// Two graphs are published side by side in the models folder:
/// <list type="bullet">
/// <item><c>capsnet.onnx</c>: <see cref="ImageInput"/> → <see cref="ProbabilitiesOutput"/>,
///   <see cref="CapsulesOutput"/>, <see cref="ReconstructionOutput"/>.</item>
/// <item><c>capsnet.decoder.onnx</c>: <see cref="DecoderCapsulesInput"/> → <see cref="ReconstructionOutput"/>,
///   so that clients can decode capsules they changed (the capsule explorer).</item>
/// </list>
/// Every batch dimension is dynamic and named <see cref="BatchDimension"/>.
/// </summary>
public static class ModelContract
{
    public const int ImageSide = 28;
    public const int Classes = 10;
    public const int CapsuleDims = 16;

    public const string BatchDimension = "N";

    /// <summary>float32 [N, 1, 28, 28], white digit on black, values in [0, 1].</summary>
    public const string ImageInput = "image";

    /// <summary>float32 [N, 10]: the lengths of the digit capsules (not a softmax; they need not sum to 1).</summary>
    public const string ProbabilitiesOutput = "probabilities";

    /// <summary>float32 [N, 10, 16]: the digit capsules.</summary>
    public const string CapsulesOutput = "capsules";

    /// <summary>float32 [N, 1, 28, 28]: the decoder's image for the longest capsule (main graph)
    /// or for the given capsules (decoder graph).</summary>
    public const string ReconstructionOutput = "reconstruction";

    /// <summary>float32 [N, 10, 16]: the decoder graph's input. The decoder was trained on capsules where all
    /// but one are zero; give it the same.</summary>
    public const string DecoderCapsulesInput = "capsules";

    public const string ModelFileName = "capsnet.onnx";
    public const string DecoderFileName = "capsnet.decoder.onnx";
    public const string MetadataFileName = "capsnet.json";
    /// <summary>Optional: the classifier graph with its two convolutions quantized to int8 (QDQ), for CPU hosts; same
    /// inputs, outputs and metadata as <see cref="ModelFileName"/>, plus <see cref="ModelMetadata.Int8"/>.</summary>
    public const string Int8ModelFileName = "capsnet.int8.onnx";

    public static readonly long[] ImageShape = [1, ImageSide, ImageSide];
    public static readonly long[] CapsulesShape = [Classes, CapsuleDims];

    public const int ImagePixels = ImageSide * ImageSide;
}

/// <summary>
/// The second model kind: overlapping digits (MultiMNIST, Sabour et al. 2017, Section 6). The same graphs and tensor
/// names as <see cref="ModelContract"/>, on 36×36 images (two 28×28 digits, each shifted by up to 4 px, merged), published
/// beside the MNIST model as <c>multimnist.onnx</c>, <c>multimnist.decoder.onnx</c> and <c>multimnist.json</c>. The
/// probabilities are the 10 capsule lengths; the two longest are the two digits.
/// </summary>
public static class MultiMnistContract
{
    public const int ImageSide = MultiMnist.MultiMnistCanvas.Side;
    public const int ImagePixels = ImageSide * ImageSide;
    public const int Digits = 2;

    public const string ModelFileName = "multimnist.onnx";
    public const string DecoderFileName = "multimnist.decoder.onnx";
    public const string MetadataFileName = "multimnist.json";

    public static readonly long[] ImageShape = [1, ImageSide, ImageSide];
}

/// <summary>The kinds of model a models folder can hold, as <see cref="ModelMetadata.Kind"/> names them.</summary>
public static class ModelKinds
{
    /// <summary>One MNIST digit per 28×28 image (<see cref="ModelContract"/>); a model without a kind is this one.</summary>
    public const string Mnist = "mnist";

    /// <summary>Two overlapping digits per 36×36 image (<see cref="MultiMnistContract"/>).</summary>
    public const string MultiMnist = "multimnist";
}
