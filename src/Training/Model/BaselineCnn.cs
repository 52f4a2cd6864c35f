using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CapsNetService.Training.Model;

/// <summary>
/// The paper's baseline CNN for overlapping digits (Sabour et al. 2017, Sections 5 and 6): three 5×5 stride-1 ReLU
/// convolutions of 256, 256 and 128 channels, fully connected layers of 328 and 192 ReLU units, dropout, and 10
/// sigmoid outputs, one per digit, so that two digits can be present at once and the outputs stand where CapsNet's
/// capsule lengths stand (same two-label loss, same top-2 evaluation).
/// The paper names neither padding nor pooling; valid padding without pooling is the reading that comes nearest its
/// parameter count on 36×36 input (its TensorFlow baseline, two convolutions with 2×2 pooling and one 1024 layer, is
/// another network, and "same" padding would double the count).
/// </summary>
public sealed class BaselineCnn : nn.Module<Tensor, Tensor>
{
    public const int KernelSize = 5;
    private const long Classes = CapsNetService.Common.ModelContract.Classes;

    private readonly nn.Module<Tensor, Tensor> conv1, conv2, conv3;
    private readonly Linear hidden1, hidden2, output;
    private readonly Dropout dropout;

    /// <param name="imageSide">36 for MultiMNIST, 28 for MNIST.</param>
    /// <param name="dropoutRate">Dropout before the output layer, as the paper has it (it gives no rate).</param>
    /// <param name="precision">What the convolutions compute in while training (see <see cref="MixedPrecisionConv2d"/>);
    /// evaluation is float32 either way.</param>
    public BaselineCnn(long imageSide = 36, double dropoutRate = 0.5, ConvolutionPrecision precision = ConvolutionPrecision.Fp32)
        : base(nameof(BaselineCnn))
    {
        long featureSide = imageSide - 3 * (KernelSize - 1);
        if (featureSide < 1) throw new ArgumentOutOfRangeException(nameof(imageSide), imageSide, "too small for three 5×5 convolutions");
        conv1 = MixedPrecisionConv2d.Create(1, 256, KernelSize, stride: 1, precision);
        conv2 = MixedPrecisionConv2d.Create(256, 256, KernelSize, stride: 1, precision);
        conv3 = MixedPrecisionConv2d.Create(256, 128, KernelSize, stride: 1, precision);
        hidden1 = nn.Linear(128 * featureSide * featureSide, 328);
        hidden2 = nn.Linear(328, 192);
        dropout = nn.Dropout(dropoutRate);
        output = nn.Linear(192, Classes);
        RegisterComponents();
    }

    /// <param name="images">[N, 1, side, side] in [0, 1].</param>
    /// <returns>[N, 10]: for each digit, the probability that it is in the image (independent sigmoids).</returns>
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.relu(conv1.forward(images));                                          // [N, 256, 32, 32]
        x = nn.functional.relu(conv2.forward(x));                                                   // [N, 256, 28, 28]
        x = nn.functional.relu(conv3.forward(x));                                                   // [N, 128, 24, 24]
        x = nn.functional.relu(hidden1.forward(x.flatten(1)));                                      // [N, 328]
        x = nn.functional.relu(hidden2.forward(x));                                                 // [N, 192]
        return nn.functional.sigmoid(output.forward(dropout.forward(x))).MoveToOuterDisposeScope(); // [N, 10]
    }
}
