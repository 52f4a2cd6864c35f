using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CapsNetService.Training.Model;

/// <summary>
/// The reconstruction network: the digit capsules with all but one masked to zero, 160 → 512 → 1024 → 784,
/// ReLU, ReLU, sigmoid. It regularises training and shows what a capsule encodes.
/// </summary>
public sealed class Decoder : nn.Module<Tensor, Tensor>
{
    private readonly Linear hidden1, hidden2, output;
    private readonly long imageSide;

    public Decoder(long capsuleFeatures, long imageSide) : base(nameof(Decoder))
    {
        this.imageSide = imageSide;
        hidden1 = nn.Linear(capsuleFeatures, 512);
        hidden2 = nn.Linear(512, 1024);
        output = nn.Linear(1024, imageSide * imageSide);
        RegisterComponents();
    }

    public Linear Hidden1 => hidden1;
    public Linear Hidden2 => hidden2;
    public Linear Output => output;

    /// <param name="maskedCapsules">[N, parents, dims], zero except for the capsule to reconstruct.</param>
    /// <returns>[N, 1, side, side] in [0, 1].</returns>
    public override Tensor forward(Tensor maskedCapsules)
    {
        using var scope = NewDisposeScope();
        long n = maskedCapsules.shape[0];
        var x = nn.functional.relu(hidden1.forward(maskedCapsules.reshape(n, -1)));
        x = nn.functional.relu(hidden2.forward(x));
        return nn.functional.sigmoid(output.forward(x)).view(n, 1, imageSide, imageSide).MoveToOuterDisposeScope();
    }

    /// <summary>Zeroes every capsule but the one of <paramref name="digits"/> ([N] class indices).</summary>
    public static Tensor Mask(Tensor digitCapsules, Tensor digits)
    {
        using var oneHot = nn.functional.one_hot(digits, digitCapsules.shape[1]).to(digitCapsules.dtype);
        return digitCapsules * oneHot.unsqueeze(-1);
    }
}
