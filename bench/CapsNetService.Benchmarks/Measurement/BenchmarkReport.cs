using System.Text;

namespace CapsNetService.Benchmarks.Measurement;

/// <summary>
/// What a benchmark command prints: Markdown on stdout, kept to be written to <c>--out</c>, headed by the machine it
/// ran on and its arguments (a figure means nothing without them); progress goes to stderr and stays out of it.
/// </summary>
public sealed class BenchmarkReport
{
    private readonly StringBuilder text = new();

    public void Emit(string line)
    {
        Console.WriteLine(line);
        text.AppendLine(line);
    }

    public static void Log(string line) => Console.Error.WriteLine(line);

    /// <summary>The machine table (<see cref="MachineDescription"/>, less the rows <paramref name="keep"/> refuses, plus
    /// <paramref name="extra"/>) and the command's arguments.</summary>
    public void EmitMachine(IEnumerable<(string What, string Value)>? extra = null, Func<string, bool>? keep = null)
    {
        Emit("## Machine\n");
        var machine = new MarkdownTable("what", "value");
        foreach (var (key, value) in MachineDescription.Describe())
            if (keep?.Invoke(key) ?? true) machine.Add(key, value);
        foreach (var (what, value) in extra ?? []) machine.Add(what, value);
        Emit(machine.ToString());
        Emit($"Arguments: `{string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}`\n");
    }

    /// <summary>Writes what was emitted so far to <paramref name="path"/>; nothing when it is null.</summary>
    public Task SaveAsync(string? path, CancellationToken cancellationToken) =>
        path is null ? Task.CompletedTask : File.WriteAllTextAsync(path, text.ToString(), cancellationToken);
}
