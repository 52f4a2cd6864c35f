using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CapsNetService.Training.Model;

/// <summary>
/// The reconstruction network: the digit capsules with all but one masked to zero, 160 → 512 → 1024 → 784,
/// ReLU, ReLU, sigmoid. It regularises training and shows what a capsule encodes.
/// </summary>
public static class Decoder
{
    /// <summary>Names of the three fully connected layers in the sequence (and in checkpoints).</summary>
    public const string Hidden1 = "hidden1", Hidden2 = "hidden2", Output = "output";

    /// <returns>[N, parents, dims] masked capsules → [N, 1, side, side] in [0, 1].</returns>
    public static Sequential Create(long capsuleFeatures, long imageSide) => nn.Sequential(
        ("flatten", nn.Flatten()),
        (Hidden1, nn.Linear(capsuleFeatures, 512)),
        ("relu1", nn.ReLU()),
        (Hidden2, nn.Linear(512, 1024)),
        ("relu2", nn.ReLU()),
        (Output, nn.Linear(1024, imageSide * imageSide)),
        ("sigmoid", nn.Sigmoid()),
        ("image", nn.Unflatten(1, [1, imageSide, imageSide])));

    /// <summary>One of the decoder's fully connected layers, by name (<see cref="Hidden1"/>, …).</summary>
    public static Linear Layer(Sequential decoder, string name) =>
        (Linear)decoder.named_children().Single(child => child.name == name).module;

    /// <summary>Zeroes every capsule but the one of <paramref name="digits"/> ([N] class indices).</summary>
    public static Tensor Mask(Tensor digitCapsules, Tensor digits)
    {
        using var oneHot = nn.functional.one_hot(digits, digitCapsules.shape[1]).to(digitCapsules.dtype);
        return digitCapsules * oneHot.unsqueeze(-1);
    }
}
