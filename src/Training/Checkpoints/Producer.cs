using System.Reflection;

namespace CapsNetService.Training.Checkpoints;

/// <summary>Who made a checkpoint or a model: this trainer, at this version.</summary>
public static class Producer
{
    public const string Name = "CapsNetService.Training";

    public static string Version { get; } =
        typeof(Producer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Producer).Assembly.GetName().Version?.ToString() ?? "0.0.0";
}
