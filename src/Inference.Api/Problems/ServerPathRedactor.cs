using System.Text.RegularExpressions;

namespace CapsNetService.Inference.Api.Problems;

/// <summary>
/// Shortens absolute paths in text shown to clients to their last segment (<c>/work/main/runs/e30</c> becomes
/// <c>…/e30</c>): a model's training command names folders of the machine that trained it, and a runtime's error
/// message may name its source files; neither is the client's business. The log keeps the full text.
/// </summary>
public static partial class ServerPathRedactor
{
    public static string? Redact(string? text) => text is null ? null : WindowsPath().Replace(UnixPath().Replace(text, "…/$1"), "…\\$1");

    /// <summary>A path of at least two segments that starts at the root (or at ~), not one inside a relative path or a URL.</summary>
    [GeneratedRegex(@"(?<![\w.:/~])~?(?:/[^\s/""'`]+)+/([^\s/""'`]+)", RegexOptions.CultureInvariant)]
    private static partial Regex UnixPath();

    [GeneratedRegex(@"\b[A-Za-z]:\\(?:[^\s\\""'`]+\\)*([^\s\\""'`]+)", RegexOptions.CultureInvariant)]
    private static partial Regex WindowsPath();
}
