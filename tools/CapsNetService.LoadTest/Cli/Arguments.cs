using System.Globalization;

namespace CapsNetService.LoadTest.Cli;

/// <summary>The command line: a command, then <c>--name value</c> options (and bare <c>--flag</c>s).</summary>
public sealed class Arguments
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = [];

    public Arguments(string[] args)
    {
        Command = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "help";
        for (int i = Command == "help" && (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal)) ? 0 : 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{args[i]}'");
            bool hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            _options[args[i][2..]] = hasValue ? args[++i] : null;
        }
    }

    public string Command { get; }

    public string? String(string name, string? fallback = null)
    {
        _read.Add(name);
        return _options.TryGetValue(name, out var value) ? value ?? throw new ArgumentException($"--{name} needs a value") : fallback;
    }

    public string Required(string name) => String(name) ?? throw new ArgumentException($"--{name} is required");

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = String(name);
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new ArgumentException($"--{name} must be a whole number between {min} and {max}; got '{text}'");
        return value;
    }

    public int? OptionalInt(string name) => String(name) is null ? null : Int(name, 0, 1);

    public long Long(string name, long fallback, long min = 1)
    {
        var text = String(name);
        if (text is null) return fallback;
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min)
            throw new ArgumentException($"--{name} must be a whole number of at least {min}; got '{text}'");
        return value;
    }

    public double Double(string name, double min, double max)
    {
        var text = Required(name);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value >= min && value <= max))
            throw new ArgumentException($"--{name} must be a number between {min} and {max}; got '{text}'");
        return value;
    }

    /// <summary>One of an enum's names, in any case.</summary>
    public T Choice<T>(string name, T fallback) where T : struct, Enum
    {
        var text = String(name);
        if (text is null) return fallback;
        if (!Enum.TryParse<T>(text, ignoreCase: true, out var value) || !Enum.IsDefined(value) || int.TryParse(text, out _))
            throw new ArgumentException($"--{name} must be one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}; got '{text}'");
        return value;
    }

    public bool Flag(string name)
    {
        _read.Add(name);
        return _options.ContainsKey(name);
    }

    public Uri Url()
    {
        var text = Required("url");
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme != "http")
            throw new ArgumentException($"--url must be an http:// address such as http://127.0.0.1:5080; got '{text}'");
        return url;
    }

    /// <summary>Options given but never asked for: typos.</summary>
    public IEnumerable<string> Unknown => _options.Keys.Where(k => !_read.Contains(k));
}
