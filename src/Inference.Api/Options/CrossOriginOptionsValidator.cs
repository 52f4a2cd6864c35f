using Microsoft.Extensions.Options;

namespace CapsNetService.Inference.Api.Options;

/// <summary>Refuses to start with an allowed origin that is not an http(s) origin, naming it.</summary>
public sealed class CrossOriginOptionsValidator : IValidateOptions<CrossOriginOptions>
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
