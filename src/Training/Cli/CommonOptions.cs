using System.CommandLine;
using CapsNetService.Training.Run;

namespace CapsNetService.Training.Cli;

/// <summary>The options <c>evaluate</c> and <c>export</c> share with <c>train</c>: the very same option objects,
/// declared once in <see cref="TrainOptions"/>.</summary>
public static class CommonOptions
{
    private static OptionBinder<TrainOptions> Train => OptionBinder<TrainOptions>.Instance;

    public static Option<DeviceChoice> Device => (Option<DeviceChoice>)Train[nameof(TrainOptions.Device)];
    public static Option<string?> LibTorchDir => (Option<string?>)Train[nameof(TrainOptions.LibTorchDir)];
    public static Option<string> DataDir => (Option<string>)Train[nameof(TrainOptions.DataDir)];
    public static Option<bool> NoDownload => (Option<bool>)Train[nameof(TrainOptions.NoDownload)];
    public static Option<string[]> Mirrors => (Option<string[]>)Train[nameof(TrainOptions.MnistMirror)];
    public static Option<bool> OnlyIfBetter => (Option<bool>)Train[nameof(TrainOptions.OnlyIfBetter)];
    public static Option<string?> TritonRepository => (Option<string?>)Train[nameof(TrainOptions.TritonRepository)];
}
