using CapsNetService.Benchmarks.Baselines;
using CapsNetService.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Benchmarks.Training;

/// <summary>A CapsNet implementation the harness can time: a name for the table and a way to build one.
/// A name ending in <c>+mallopt</c> runs the same implementation with <see cref="CapsNetService.Training.Run.NativeMemoryTuning"/> applied.</summary>
public sealed record Implementation(string Name, string Description, Func<nn.Module<Tensor, Tensor?, CapsNetOutput>> Create,
                                   bool MallocTuning = false)
{
    public const string Trainer = "trainer";
    public const string TrainerBf16 = "trainer-bf16";
    public const string Naive = "naive";
    public const string MallocSuffix = "+mallopt";

    /// <summary>Every implementation starts from the weights of <c>new CapsNet(Paper)</c> under the same seed,
    /// so all of them compute the same function from the same starting point.</summary>
    public static IReadOnlyList<Implementation> All(int seed) =>
    [
        new(Trainer, "src/Training's CapsNet (vectorised), as Trainer runs it",
            () => { manual_seed(seed); return new CapsNet(CapsNetArchitecture.Paper); }),
        new(TrainerBf16, "the same with `--precision bf16`: Conv1 and PrimaryCaps in bfloat16 while training (mixed precision), "
                         + "so not the same function to 1e-4 by design",
            () => { manual_seed(seed); return new CapsNet(CapsNetArchitecture.Paper, ConvolutionPrecision.Bf16); }),
        new(Naive, "baseline (bench/…/Baselines/NaiveCapsNet.cs): one PrimaryCaps conv per capsule dimension, "
                   + "û by the 5-D broadcast matmul, routing with loops over the 10 parents",
            () =>
            {
                manual_seed(seed);
                using var product = new CapsNet(CapsNetArchitecture.Paper);
                var naive = new NaiveCapsNet();
                naive.CopyFrom(product);
                return naive;
            }),
    ];

    public static Implementation Find(string name, int seed)
    {
        bool tuned = name.EndsWith(MallocSuffix, StringComparison.Ordinal);
        var baseName = tuned ? name[..^MallocSuffix.Length] : name;
        var found = All(seed).FirstOrDefault(i => i.Name == baseName)
                    ?? throw new ArgumentException($"unknown implementation '{name}'; known: {string.Join(", ", All(seed).Select(i => i.Name))}, "
                                                   + $"each optionally with {MallocSuffix}");
        return tuned
            ? found with { Name = name, Description = found.Description + "; glibc malloc kept from mmap/munmap-ing large tensors (mallopt)", MallocTuning = true }
            : found;
    }
}
