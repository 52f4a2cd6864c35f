using CapsNetService.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.Run;

/// <summary>
/// One optimisation step, as the trainer takes it and as bench/ times it: forward pass with the true labels choosing
/// the capsule the decoder sees, margin + reconstruction loss, Adam. The batch's loss sum and correct count are added
/// on the device, so nothing waits for the GPU. Call it inside a dispose scope: the temporaries belong to the caller's.
/// </summary>
public static class OptimisationStep
{
    public static void Run(nn.Module<Tensor, Tensor?, CapsNetOutput> model, optim.Optimizer optimizer, CapsuleLoss loss,
                           Tensor images, Tensor labels, Tensor lossSum, Tensor correct)
    {
        using var output = model.forward(images, labels);
        var batchLoss = loss.Total(output.Lengths, labels, output.Reconstruction, images);
        optimizer.zero_grad();
        batchLoss.backward();
        optimizer.step();
        lossSum.add_(batchLoss.detach().to(float64) * images.shape[0]);
        correct.add_(output.Lengths.argmax(1).eq(labels).sum());
    }
}
