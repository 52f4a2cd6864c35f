using SkiaSharp;

namespace CapsNetService.Common.Rejection;

/// <summary>
/// The typefaces the non-digit letters are drawn in: the DejaVu families of Debian's fonts-dejavu-core, found through
/// <see cref="SKFontManager"/>, each upright and oblique, regular and bold. Only these families are used, so that the
/// same seed draws the same letters on every host that has the package.
/// </summary>
public static class LetterFonts
{
    public static readonly string[] Families = ["DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono"];

    public const string InstallHint = "install Debian's fonts-dejavu-core (apt-get install -y fonts-dejavu-core)";

    private static readonly Lazy<IReadOnlyList<SKTypeface>> Installed = new(Find);

    /// <summary>The installed typefaces, in a fixed order.</summary>
    /// <exception cref="FontsMissingException">None of <see cref="Families"/> is installed.</exception>
    public static IReadOnlyList<SKTypeface> Typefaces => Installed.Value.Count > 0
        ? Installed.Value
        : throw new FontsMissingException(
            $"none of the fonts {string.Join(", ", Families)} is installed, so the non-digit letters cannot be drawn; {InstallHint}");

    /// <summary>True when at least one of <see cref="Families"/> is installed.</summary>
    public static bool Available => Installed.Value.Count > 0;

    private static IReadOnlyList<SKTypeface> Find()
    {
        var installed = SKFontManager.Default.FontFamilies.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var typefaces = new List<SKTypeface>();
        foreach (var family in Families.Where(installed.Contains))
        foreach (var weight in new[] { SKFontStyleWeight.Normal, SKFontStyleWeight.Bold })
        foreach (var slant in new[] { SKFontStyleSlant.Upright, SKFontStyleSlant.Oblique })
        {
            var typeface = SKTypeface.FromFamilyName(family, weight, SKFontStyleWidth.Normal, slant);
            // FromFamilyName falls back to some default face; keep only the family asked for.
            if (typeface is not null && typeface.FamilyName.Equals(family, StringComparison.OrdinalIgnoreCase))
                typefaces.Add(typeface);
        }
        return typefaces;
    }
}
