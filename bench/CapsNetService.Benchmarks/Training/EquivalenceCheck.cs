using CapsNetService.Common.Mnist;
using CapsNetService.Training.Data;
using CapsNetService.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Benchmarks.Training;

/// <summary>
/// Before timing, shows that an implementation computes the trainer's function: from the same weights and the same
/// batch, the capsule lengths, the reconstruction, the loss and the gradient of the loss with respect to Conv1's
/// weights (which flows back through every layer, routing included) must agree up to float32 rounding.
/// </summary>
public static class EquivalenceCheck
{
    public sealed record Result(string Name, double LengthsDiff, double ReconstructionDiff, double LossDiff, double GradientRelDiff)
    {
        /// <summary>float32 summation orders differ between implementations (differences of ~1e-6 here); a real
        /// difference in the maths shows far above these bounds (routing's softmax over the inputs instead of the
        /// parents: lengths off by 6e-4 at initialisation, where all capsules are short, and the gradient by 100 %).</summary>
        public bool Agrees => LengthsDiff < OutputTolerance && ReconstructionDiff < OutputTolerance && LossDiff < OutputTolerance
                              && GradientRelDiff < GradientTolerance;
    }

    /// <summary>Largest absolute difference in lengths, reconstruction and loss that still counts as the same function.</summary>
    public const double OutputTolerance = 1e-4;

    /// <summary>Largest ‖Δ gradient‖ / ‖gradient‖ that still counts as the same function.</summary>
    public const double GradientTolerance = 1e-3;

    public static Result Compare(Implementation candidate, Implementation reference, MnistSet data, int batch = 8)
    {
        using var scope = NewDisposeScope();
        var (images, labels) = MnistBatch.Create(data, Enumerable.Range(0, batch).ToArray(), CPU);
        var (refLengths, refReconstruction, refLoss, refGradient) = Evaluate(reference, images, labels);
        var (lengths, reconstruction, loss, gradient) = Evaluate(candidate, images, labels);
        return new Result(candidate.Name,
                          (lengths - refLengths).abs().max().item<float>(),
                          (reconstruction - refReconstruction).abs().max().item<float>(),
                          Math.Abs(loss - refLoss),
                          ((gradient - refGradient).norm() / refGradient.norm()).item<float>());
    }

    private static (Tensor Lengths, Tensor Reconstruction, double Loss, Tensor Conv1Gradient) Evaluate(
        Implementation implementation, Tensor images, Tensor labels)
    {
        using var model = implementation.Create();
        model.train();
        using var output = model.forward(images, labels);
        using var loss = new CapsuleLoss().Total(output.Lengths, labels, output.Reconstruction, images);
        loss.backward();
        var conv1Weight = model.named_parameters().Single(p => p.name.EndsWith("conv1.weight", StringComparison.Ordinal)).parameter;
        return (output.Lengths.detach().clone(), output.Reconstruction.detach().clone(), loss.item<float>(), conv1Weight.grad!.clone());
    }
}
