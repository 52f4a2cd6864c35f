using SkiaSharp;

namespace CapsNetService.Training.Reporting;

/// <summary>
/// The sans-serif typeface the report's pictures use for their text, or none. The trainer ships the
/// NoDependencies Skia build, which reads fonts from the usual folders (/usr/share/fonts) without fontconfig: on a
/// slim container with no fonts installed every typeface is empty, and the pictures are then drawn without text (the
/// HTML carries the words instead).
/// </summary>
internal static class ReportFonts
{
    private static readonly string[] PreferredFamilies =
        ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Open Sans", "Arial", "Helvetica", "FreeSans"];

    private static readonly Lazy<SKTypeface?> sans = new(FindSans);

    /// <summary>A typeface that can draw digits, or null when the machine has none.</summary>
    public static SKTypeface? Sans => sans.Value;

    /// <summary>"→" when the typeface has the glyph, else "->".</summary>
    public static string Arrow => Sans is { } typeface && typeface.ContainsGlyph('→') ? "→" : "->";

    private static SKTypeface? FindSans()
    {
        foreach (string family in PreferredFamilies)
        {
            var typeface = SKFontManager.Default.MatchFamily(family);
            if (typeface is not null
                && string.Equals(typeface.FamilyName, family, StringComparison.OrdinalIgnoreCase)
                && CanDrawDigits(typeface))
            {
                return typeface;
            }
        }
        return CanDrawDigits(SKTypeface.Default) ? SKTypeface.Default : null;
    }

    private static bool CanDrawDigits(SKTypeface typeface) =>
        typeface.GlyphCount > 0 && typeface.ContainsGlyphs("0123456789");
}
