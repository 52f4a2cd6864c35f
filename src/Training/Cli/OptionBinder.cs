using System.CommandLine;
using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace CapsNetService.Training.Cli;

/// <summary>
/// The command line of an options type <typeparamref name="T"/>, read from its <see cref="CliOptionAttribute"/>s: the
/// System.CommandLine options (defaults taken from a new <typeparamref name="T"/>), binding a parse result into a
/// <typeparamref name="T"/>, the arguments that reproduce one, and the options in which two of them differ.
/// </summary>
public sealed class OptionBinder<T> where T : class, new()
{
    private sealed record Binding(PropertyInfo Property, CliOptionAttribute Cli, Option Option, Func<ParseResult, object?> Read);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly MethodInfo CreateMethod =
        typeof(OptionBinder<T>).GetMethod(nameof(Create), BindingFlags.NonPublic | BindingFlags.Static)!;

    public static OptionBinder<T> Instance { get; } = new();

    private readonly IReadOnlyList<Binding> bindings;

    private OptionBinder()
    {
        var defaults = new T();
        bindings = typeof(T).GetProperties()
            .Select(p => (Property: p, Cli: p.GetCustomAttribute<CliOptionAttribute>()))
            .Where(p => p.Cli is not null)
            .Select(p =>
            {
                var (option, read) = ((Option, Func<ParseResult, object?>))CreateMethod.MakeGenericMethod(p.Property.PropertyType)
                    .Invoke(null, [p.Cli, p.Property.GetValue(defaults)])!;
                return new Binding(p.Property, p.Cli!, option, read);
            })
            .ToList();
    }

    public IEnumerable<Option> Options => bindings.Select(b => b.Option);

    /// <summary>The option bound to the property <paramref name="propertyName"/>, to share it with another command.</summary>
    public Option this[string propertyName] => bindings.Single(b => b.Property.Name == propertyName).Option;

    public T Bind(ParseResult result)
    {
        var options = new T();
        foreach (var binding in bindings) binding.Property.SetValue(options, binding.Read(result));
        return options;
    }

    /// <summary>The arguments that give <paramref name="options"/>: every recorded option whose value is not the
    /// default, in declaration order, paths as <see cref="RecordedPath"/> writes them.</summary>
    public string Arguments(T options)
    {
        var defaults = new T();
        var arguments = new List<string>();
        foreach (var binding in bindings.Where(b => !b.Cli.NotRecorded))
        {
            var value = binding.Property.GetValue(options);
            if (SameValue(value, binding.Property.GetValue(defaults))) continue;
            switch (value)
            {
                case true: arguments.Add(binding.Cli.Name); break;
                case string[] many: foreach (var one in many) arguments.AddRange([binding.Cli.Name, Text(one, binding.Cli)]); break;
                default: arguments.AddRange([binding.Cli.Name, Text(value, binding.Cli)]); break;
            }
        }
        return string.Join(' ', arguments.Select(Quote));
    }

    /// <summary>"--name now (was before)" for each option, among those <paramref name="compared"/> selects, whose
    /// values differ.</summary>
    public IReadOnlyList<string> Differences(T before, T now, Func<CliOptionAttribute, bool> compared) =>
        bindings.Where(b => compared(b.Cli))
                .Where(b => !SameValue(b.Property.GetValue(before), b.Property.GetValue(now)))
                .Select(b => $"{b.Cli.Name} {Text(b.Property.GetValue(now), b.Cli)} (was {Text(b.Property.GetValue(before), b.Cli)})")
                .ToList();

    /// <summary>A copy of <paramref name="options"/> whose paths are as <see cref="RecordedPath"/> writes them.</summary>
    public T WithRecordedPaths(T options)
    {
        var copy = JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(options, Json), Json)!;
        foreach (var binding in bindings.Where(b => b.Cli.IsPath))
            if (binding.Property.GetValue(copy) is string path) binding.Property.SetValue(copy, RecordedPath(path));
        return copy;
    }

    /// <summary>A path as it may be recorded: as typed when relative, its file name when absolute.</summary>
    public static string RecordedPath(string path) =>
        Path.IsPathRooted(path) ? Path.GetFileName(Path.TrimEndingDirectorySeparator(path)) : path;

    private static bool SameValue(object? a, object? b) =>
        JsonSerializer.Serialize(a, Json) == JsonSerializer.Serialize(b, Json);

    private static string Text(object? value, CliOptionAttribute cli) => value switch
    {
        null => "none",
        bool flag => flag ? "on" : "off",
        string path when cli.IsPath => RecordedPath(path),
        string text => text,
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        Enum choice => choice.ToString().ToLowerInvariant(),
        string[] many => string.Join(',', many),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Quote(string argument) =>
        argument.Length > 0 && !argument.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'') ? argument : $"'{argument.Replace("'", "'\\''")}'";

    private static (Option, Func<ParseResult, object?>) Create<TValue>(CliOptionAttribute cli, TValue defaultValue)
    {
        var option = new Option<TValue>(cli.Name, cli.Aliases) { Description = cli.Description };
        if (defaultValue is not null && defaultValue is not false) option.DefaultValueFactory = _ => defaultValue;
        if (typeof(TValue).IsArray) option.AllowMultipleArgumentsPerToken = false;
        return (option, result => result.GetValue(option));
    }
}
