namespace CapsNetService.Inference.Api.Hosting;

/// <summary>
/// Which other web origins may call the API from a browser (CORS). Bound from the <c>Cors</c> section and checked at
/// start-up by <see cref="Validator"/>. Empty by default: CORS is closed, so a page served from
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

    /// <summary>Refuses to start with an allowed origin that is not an http(s) origin, naming it.</summary>
    public sealed class Validator : IValidateOptions<CrossOriginOptions>
    {
        public ValidateOptionsResult Validate(string? name, CrossOriginOptions options)
        {
            var failures = new List<string>();
            foreach (var origin in options.Normalised())
            {
                if (origin.Contains('*'))
                    failures.Add($"Cors:AllowedOrigins must list origins one by one; '{origin}' is a wildcard.");
                else if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                         || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
                    failures.Add($"Cors:AllowedOrigins: '{origin}' is not an origin such as https://digits.example.org (scheme, host, optional port, no path).");
            }
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
