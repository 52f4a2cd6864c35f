using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Net.Http.Headers;

namespace CapsNetService.Inference.Api.Explorer;

/// <summary>
/// Reads the JSON body of POST /reconstruct and POST /explore and refuses, with a problem that names the field, what
/// the decoder cannot take. The body is one of
/// <code>
/// { "digit": 7, "capsule": [16 numbers] }                  one digit capsule and the digit it stands for
/// { "capsules": [10 arrays of 16 numbers], "digit": 7 }     all ten, as POST /predict returns them; digit optional
/// </code>
/// With <c>capsules</c> and no digit, the longest capsule is decoded (what the classifier does). POST /explore also
/// takes <c>steps</c> and <c>range</c>. The body is read by hand rather than bound, so that every mistake gets its own
/// sentence: which value, at which position, and what is allowed; a refusal is a thrown <see cref="ApiProblem"/>.
/// </summary>
public static partial class CapsuleRequestReader
{
    /// <summary>Largest JSON body accepted (a request is under 4 KB; this is far more than enough).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>
    /// The bound on every capsule value. The network's capsules are squashed to a length below 1, so each of their
    /// values lies in (−1, 1); ±2 leaves room for the explorer's offsets (up to ±1) and refuses values the decoder
    /// never saw anything like, where its picture would mean nothing.
    /// </summary>
    public const float MaxAbsoluteValue = 2f;

    public const string DigitField = "digit";
    public const string CapsuleField = "capsule";
    public const string CapsulesField = "capsules";

    private const int Dims = ModelContract.CapsuleDims;
    private const int Classes = ModelContract.Classes;

    private static readonly string[] CapsuleFields = [DigitField, CapsuleField, CapsulesField];
    private static readonly string[] SweepFields = [DigitField, CapsuleField, CapsulesField, SweepOptions.StepsName, SweepOptions.RangeName];

    /// <summary>True for application/json and any application/*+json.</summary>
    public static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && (parsed.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (parsed.Type.Equals("application", StringComparison.OrdinalIgnoreCase)
                && parsed.SubType.EndsWith("+json", StringComparison.OrdinalIgnoreCase)));

    /// <param name="request">A request whose Content-Type is JSON (see <see cref="IsJson"/>).</param>
    /// <param name="withSweep">True for POST /explore: <c>steps</c> and <c>range</c> are allowed.</param>
    /// <exception cref="ApiProblem">The body is refused.</exception>
    public static async Task<CapsuleRequest> ReadAsync(HttpRequest request, bool withSweep, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
            throw ApiProblem.BodyTooLarge(request.ContentLength, MaxBodyBytes);

        byte[] body;
        try
        {
            body = await ReadBodyAsync(request.Body, cancellationToken);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw ApiProblem.BodyTooLarge(null, MaxBodyBytes);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status408RequestTimeout)
        {
            // Kestrel's minimum data rate: the same problem as an upload that trickles.
            throw ApiProblem.RequestBodyTimeout();
        }
        if (body.Length > MaxBodyBytes)
            throw ApiProblem.BodyTooLarge(null, MaxBodyBytes);
        return Parse(body, withSweep);
    }

    /// <summary>Checks a JSON body (UTF-8 bytes) and builds the request from it.</summary>
    /// <exception cref="ApiProblem">The body is refused.</exception>
    public static CapsuleRequest Parse(ReadOnlySpan<byte> body, bool withSweep)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty)
            throw ApiProblem.MalformedJson(
                $"The body is empty; send a JSON object such as {Example(withSweep)}.");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw ApiProblem.MalformedJson(DescribeSyntaxError(e, body));
        }
        using (document)
        {
            RequireUnicodeText(body);
            return Parse(document.RootElement, withSweep);
        }
    }

    /// <summary>
    /// JSON text is UTF-8 and its strings are Unicode (RFC 8259, §8): bytes that are not UTF-8, or a string escaping a
    /// lone surrogate (<c>"\ud800"</c>), cannot become .NET strings, so they are refused here, before any field or value
    /// is read as text (the parser itself lets both through).
    /// </summary>
    private static void RequireUnicodeText(ReadOnlySpan<byte> body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body))
            throw ApiProblem.MalformedJson(
                "The body is not valid UTF-8 text; JSON must be sent as UTF-8 (Content-Type: application/json; charset=utf-8).");
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 8 });
        try
        {
            while (reader.Read())
                if (reader.TokenType is JsonTokenType.PropertyName or JsonTokenType.String)
                    reader.GetString();
        }
        catch (InvalidOperationException)
        {
            throw ApiProblem.MalformedJson(
                "The body holds a string that is not valid Unicode: a \\uD800–\\uDFFF escape without its pair (a lone surrogate).");
        }
    }

    private static CapsuleRequest Parse(JsonElement root, bool withSweep)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw ApiProblem.MalformedJson(
                $"The body is a JSON {Kind(root)}, not an object; send an object such as {Example(withSweep)}.");

        var known = withSweep ? SweepFields : CapsuleFields;
        var fields = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in root.EnumerateObject())
        {
            var name = known.FirstOrDefault(k => k.Equals(property.Name, StringComparison.OrdinalIgnoreCase));
            if (name is null) throw ApiProblem.UnknownField(property.Name, known);
            if (!fields.TryAdd(name, property.Value))
                throw ApiProblem.MalformedJson($"The field '{name}' appears more than once in the body.");
        }

        int? digit = null;
        if (fields.TryGetValue(DigitField, out var digitElement) && digitElement.ValueKind != JsonValueKind.Null)
        {
            if (digitElement.ValueKind != JsonValueKind.Number || !digitElement.TryGetInt32(out int d) || d is < 0 or >= Classes)
                throw ApiProblem.InvalidDigit(
                    $"digit is {Show(digitElement)}; it must be an integer from 0 to 9 (the digit whose capsule this is).");
            digit = d;
        }

        bool hasCapsule = fields.TryGetValue(CapsuleField, out var capsuleElement);
        bool hasCapsules = fields.TryGetValue(CapsulesField, out var capsulesElement);
        if (hasCapsule && hasCapsules)
            throw ApiProblem.InvalidCapsule(
                "The body has both 'capsule' and 'capsules'; give either 'capsule' (16 numbers, with 'digit') "
                + "or 'capsules' (10 arrays of 16 numbers, as POST /predict returns them).");
        if (!hasCapsule && !hasCapsules)
            throw ApiProblem.InvalidCapsule(
                "The body has no capsule: give 'capsule' (16 numbers) with 'digit', or 'capsules' "
                + "(10 arrays of 16 numbers, as POST /predict returns them).");

        DigitCapsule capsule;
        if (hasCapsule)
        {
            var problem = ReadVector(capsuleElement, CapsuleField, out var values);
            if (problem is not null) throw problem;
            if (digit is null)
                throw ApiProblem.InvalidDigit(
                    "digit is missing: with a 16-value 'capsule', say which digit (0 to 9) it is the capsule of.");
            capsule = new DigitCapsule(digit.Value, values);
        }
        else
        {
            if (capsulesElement.ValueKind != JsonValueKind.Array || capsulesElement.GetArrayLength() != Classes)
                throw ApiProblem.InvalidCapsule(capsulesElement.ValueKind == JsonValueKind.Array
                    ? $"'capsules' has {Rows(capsulesElement.GetArrayLength())}; it must have 10 (one capsule of 16 numbers per digit)."
                    : $"'capsules' is {Show(capsulesElement)}; it must be an array of 10 arrays of 16 numbers.");
            var rows = new float[Classes][];
            int row = 0;
            foreach (var element in capsulesElement.EnumerateArray())
            {
                var problem = ReadVector(element, $"{CapsulesField}[{row}]", out rows[row]);
                if (problem is not null) throw problem;
                row++;
            }
            int chosen = digit ?? Longest(rows);
            capsule = new DigitCapsule(chosen, rows[chosen]);
        }

        var sweep = SweepOptions.None("in the body");
        if (withSweep)
        {
            int? steps = null;
            double? range = null;
            if (fields.TryGetValue(SweepOptions.StepsName, out var stepsElement) && stepsElement.ValueKind != JsonValueKind.Null)
            {
                if (stepsElement.ValueKind != JsonValueKind.Number || !stepsElement.TryGetInt32(out int s))
                    throw ApiProblem.InvalidOption(
                        $"steps is {Show(stepsElement)}; it must be an integer from {PerturbationSweep.MinSteps} to {PerturbationSweep.MaxSteps}.");
                steps = s;
            }
            if (fields.TryGetValue(SweepOptions.RangeName, out var rangeElement) && rangeElement.ValueKind != JsonValueKind.Null)
            {
                if (rangeElement.ValueKind != JsonValueKind.Number || !rangeElement.TryGetDouble(out double r) || !double.IsFinite(r))
                    throw ApiProblem.InvalidOption(
                        $"range is {Show(rangeElement)}; it must be a number above 0 and at most {PerturbationSweep.MaxRange.ToString(CultureInfo.InvariantCulture)}.");
                range = r;
            }
            sweep = sweep with { Steps = steps, Range = range };
        }
        return new CapsuleRequest(capsule, sweep);
    }

    /// <summary>A JSON array of 16 finite numbers within ±<see cref="MaxAbsoluteValue"/>.</summary>
    private static ApiProblem? ReadVector(JsonElement element, string name, out float[] values)
    {
        values = [];
        if (element.ValueKind != JsonValueKind.Array)
            return ApiProblem.InvalidCapsule($"'{name}' is {Show(element)}; it must be an array of 16 numbers.");
        if (element.GetArrayLength() != Dims)
            return ApiProblem.InvalidCapsule($"'{name}' has {element.GetArrayLength()} values; a digit capsule has 16.");

        values = new float[Dims];
        int i = 0;
        foreach (var value in element.EnumerateArray())
        {
            var where = $"{name}[{i}]";
            switch (value.ValueKind)
            {
                case JsonValueKind.Number:
                    if (!value.TryGetDouble(out double number) || !double.IsFinite(number) || Math.Abs(number) > MaxAbsoluteValue)
                        return ApiProblem.CapsuleOutOfRange($"{where} is {Show(value)}; {Bound}");
                    values[i] = (float)number;
                    break;
                case JsonValueKind.String when IsNamedNonFinite(value.GetString()!):
                    return ApiProblem.CapsuleOutOfRange($"{where} is {value.GetString()}; {Bound}");
                case JsonValueKind.Null:
                    return ApiProblem.InvalidCapsule(
                        $"{where} is null; capsule values must be numbers (JSON.stringify writes NaN and Infinity as null).");
                default:
                    return ApiProblem.InvalidCapsule($"{where} is {Show(value)}; capsule values must be JSON numbers.");
            }
            i++;
        }
        return null;
    }

    private static string Bound =>
        $"capsule values must be finite numbers within ±{MaxAbsoluteValue.ToString(CultureInfo.InvariantCulture)} "
        + "(the network's capsules are shorter than 1, so their values lie between −1 and 1).";

    private static bool IsNamedNonFinite(string text) => text.Trim().TrimStart('+', '-') is var t
        && (t.Equals("NaN", StringComparison.OrdinalIgnoreCase) || t.Equals("Infinity", StringComparison.OrdinalIgnoreCase)
            || t.Equals("Inf", StringComparison.OrdinalIgnoreCase) || t == "∞");

    private static string Rows(int count) => count == 1 ? "1 row" : $"{count} rows";

    private static int Longest(float[][] rows)
    {
        int best = 0;
        float bestSquared = -1;
        for (int d = 0; d < rows.Length; d++)
        {
            float squared = rows[d].Sum(v => v * v);
            if (squared > bestSquared) (best, bestSquared) = (d, squared);
        }
        return best;
    }

    private static async Task<byte[]> ReadBodyAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes) break; // refused by the caller; no need to read the rest
        }
        return buffer.ToArray();
    }

    private static string DescribeSyntaxError(JsonException e, ReadOnlySpan<byte> body)
    {
        var where = e.LineNumber is { } line
            ? $" (line {line + 1}, byte {(e.BytePositionInLine ?? 0) + 1})"
            : "";
        var detail = $"The body is not valid JSON{where}.";
        if (BareNonFinite().IsMatch(System.Text.Encoding.UTF8.GetString(body)))
            detail += " NaN and Infinity are not JSON numbers, and capsule values must be finite numbers anyway.";
        return detail;
    }

    /// <summary>A JSON value as the problem details quote it: short, and its kind when it is not a plain value.</summary>
    private static string Show(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number => Clip(element.GetRawText()),
        JsonValueKind.String => $"the string \"{Clip(element.GetString()!)}\"",
        JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
        JsonValueKind.Null => "null",
        _ => $"a JSON {Kind(element)}",
    };

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => "array",
        JsonValueKind.Object => "object",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.Null => "null",
        _ => "boolean",
    };

    private static string Clip(string text)
    {
        var clean = new string(text.Where(c => !char.IsControl(c)).ToArray());
        return clean.Length <= 24 ? clean : clean[..24] + "…";
    }

    private static string Example(bool withSweep) => withSweep
        ? "{\"digit\": 7, \"capsule\": [16 numbers], \"steps\": 11, \"range\": 0.25}"
        : "{\"digit\": 7, \"capsule\": [16 numbers]}";

    [GeneratedRegex(@"(?<![\w""])[-+]?(NaN|Infinity)(?![\w""])", RegexOptions.CultureInvariant)]
    private static partial Regex BareNonFinite();
}

/// <summary>A checked JSON capsule request: the capsule to decode and, for POST /explore, the sweep options of the body.</summary>
public sealed record CapsuleRequest(DigitCapsule Capsule, SweepOptions Sweep);
