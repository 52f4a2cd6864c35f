using static TorchSharp.torch;

namespace CapsNetService.Training.Model;

/// <summary>What one forward pass yields; the caller disposes it.</summary>
public sealed record CapsNetOutput(Tensor DigitCapsules, Tensor Lengths, Tensor Reconstruction) : IDisposable
{
    public void Dispose()
    {
        DigitCapsules.Dispose();
        Lengths.Dispose();
        Reconstruction.Dispose();
    }
}
