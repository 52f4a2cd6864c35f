namespace CapsNetService.Training.Model;

/// <summary>The paper's MNIST architecture; the digit-capsule side is fixed by the model contract.</summary>
public sealed record CapsNetArchitecture
{
    public int Conv1Channels { get; init; } = 256;
    public int KernelSize { get; init; } = 9;
    public int PrimaryMaps { get; init; } = 32;
    public int PrimaryDims { get; init; } = 8;
    public int PrimaryStride { get; init; } = 2;
    public int RoutingIterations { get; init; } = 3;

    /// <summary>Side of the PrimaryCaps grid: 28 → 20 after Conv1 → 6 after the strided convolution.</summary>
    public int PrimaryGridSide =>
        (CapsNetService.Common.ModelContract.ImageSide - KernelSize + 1 - KernelSize) / PrimaryStride + 1;

    public int PrimaryCapsuleCount => PrimaryMaps * PrimaryGridSide * PrimaryGridSide;

    public static CapsNetArchitecture Paper { get; } = new();
}
