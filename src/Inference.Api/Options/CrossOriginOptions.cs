namespace CapsNetService.Inference.Api.Options;

/// <summary>
/// Which other web origins may call the API from a browser (CORS). Bound from the <c>Cors</c> section and checked at
/// start-up by <see cref="CrossOriginOptionsValidator"/>. Empty by default: CORS is closed, so a page served from
/// another origin cannot read the API's answers (the drawing page at / is same-origin and needs nothing).
/// </summary>
public sealed class CrossOriginOptions
{
    public const string Section = "Cors";

    /// <summary>Origins allowed to call the API from a browser, each exactly as the browser sends it
    /// (<c>https://digits.example.org</c>: scheme, host, optional port; no path). No wildcard.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>The origins, trimmed, without a trailing slash.</summary>
    public string[] Normalised() => AllowedOrigins.Select(o => o.Trim().TrimEnd('/')).Where(o => o.Length > 0).Distinct().ToArray();
}
