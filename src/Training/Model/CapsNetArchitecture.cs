namespace CapsNetService.Training.Model;

/// <summary>The paper's architecture; the digit-capsule side is fixed by the model contract, the input side is MNIST's
/// 28 or MultiMNIST's 36 (the paper's Section 6 uses the same network on the larger canvas).</summary>
public sealed record CapsNetArchitecture
{
    public int ImageSide { get; init; } = CapsNetService.Common.ModelContract.ImageSide;
    public int Conv1Channels { get; init; } = 256;
    public int KernelSize { get; init; } = 9;
    public int PrimaryMaps { get; init; } = 32;
    public int PrimaryDims { get; init; } = 8;
    public int PrimaryStride { get; init; } = 2;
    public int RoutingIterations { get; init; } = 3;

    /// <summary>Side of the PrimaryCaps grid: 28 → 20 after Conv1 → 6 after the strided convolution (36 → 28 → 10).</summary>
    public int PrimaryGridSide => (ImageSide - KernelSize + 1 - KernelSize) / PrimaryStride + 1;

    public int ImagePixels => ImageSide * ImageSide;

    public int PrimaryCapsuleCount => PrimaryMaps * PrimaryGridSide * PrimaryGridSide;

    public static CapsNetArchitecture Paper { get; } = new();

    /// <summary>The same network on 36×36 MultiMNIST images: PrimaryCaps becomes 32 × 10 × 10 capsules.</summary>
    public static CapsNetArchitecture MultiMnist { get; } = new() { ImageSide = CapsNetService.Common.MultiMnistContract.ImageSide };

    /// <summary>The dataset whose images this architecture takes.</summary>
    public Run.TrainingDataset Dataset() =>
        ImageSide == CapsNetService.Common.MultiMnistContract.ImageSide ? Run.TrainingDataset.MultiMnist : Run.TrainingDataset.Mnist;
}
