namespace CapsNetService.Training.Cli;

/// <summary>
/// Declares a property of an options type as a command-line option: <see cref="OptionBinder{T}"/> builds the
/// System.CommandLine option from it (name, aliases, description, the property's initial value as the default) and
/// binds the parsed value straight back into the property. One declaration per option; nothing to keep in step.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class CliOptionAttribute(string name, string description) : Attribute
{
    public string Name { get; } = name;
    public string Description { get; } = description;
    public string[] Aliases { get; set; } = [];

    /// <summary>A file or folder. Recorded (in checkpoints, reports, model metadata) as typed when relative and as its
    /// file name when absolute, so no machine's folders travel with a model.</summary>
    public bool IsPath { get; set; }

    /// <summary>May differ between a run and its <c>--resume</c> (how long it runs, where it runs, reads and
    /// publishes); every other option shapes the result and must stay the same.</summary>
    public bool MayChangeOnResume { get; set; }

    /// <summary>Left out of the recorded command line: it says how this invocation started, not what the run is.</summary>
    public bool NotRecorded { get; set; }
}
