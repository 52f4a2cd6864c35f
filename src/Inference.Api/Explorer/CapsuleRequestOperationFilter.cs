using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CapsNetService.Inference.Api.Explorer;

/// <summary>
/// Describes the JSON capsule body of POST /reconstruct and POST /explore (its schema and two worked examples), beside
/// the multipart image form that <see cref="ImageUploadOperationFilter"/> already put there for /explore; types the
/// <c>steps</c>, <c>range</c> and <c>format</c> query parameters (read as text so that a bad value gets its own
/// problem) with their bounds and defaults; marks the image/png answer as binary. Runs after
/// <see cref="ImageUploadOperationFilter"/>.
/// </summary>
public sealed class CapsuleRequestOperationFilter : IOperationFilter
{
    /// <summary>Endpoint metadata: the endpoint takes a digit capsule as application/json (read by
    /// <see cref="CapsuleRequestReader"/>); this filter describes it.</summary>
    /// <param name="RequestType">The documented shape of the body (<see cref="ReconstructRequest"/> or
    /// <see cref="ExploreRequest"/>).</param>
    /// <param name="Sweep">True when <c>steps</c> and <c>range</c> apply (POST /explore).</param>
    /// <param name="PngDescription">What <c>?format=png</c> returns.</param>
    public sealed record Metadata(Type RequestType, bool Sweep, string PngDescription);

    private const string Json = "application/json";
    private const string Multipart = "multipart/form-data";

    /// <summary>A real capsule: the first MNIST test digit (a 7) as the first shipped model read it, rounded.</summary>
    private const string ExampleCapsule =
        "[0.2962, 0.1848, -0.0944, 0.3359, -0.1681, 0.2968, 0.3036, 0.2929, 0.1689, -0.2977, 0.0125, -0.0063, -0.1432, 0.3147, -0.1425, -0.2207]";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var capsule = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<Metadata>().FirstOrDefault();
        if (capsule is null) return;

        var body = operation.RequestBody as OpenApiRequestBody ?? new OpenApiRequestBody();
        body.Required = true;
        body.Content ??= new Dictionary<string, IOpenApiMediaType>();
        body.Content[Json] = new OpenApiMediaType
        {
            Schema = context.SchemaGenerator.GenerateSchema(capsule.RequestType, context.SchemaRepository),
            Examples = Examples(capsule.Sweep),
        };
        body.Description = capsule.Sweep
            ? "An image as multipart/form-data (its predicted digit's capsule is explored), or a digit capsule as application/json."
            : "A digit capsule as application/json.";
        if (capsule.Sweep && body.Content.TryGetValue(Multipart, out var form) && form.Schema is OpenApiSchema formSchema)
        {
            formSchema.Properties ??= new Dictionary<string, IOpenApiSchema>();
            formSchema.Properties[SweepOptions.StepsName] = StepsSchema();
            formSchema.Properties[SweepOptions.RangeName] = RangeSchema();
        }
        operation.RequestBody = body;

        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            parameter.Schema = parameter.Name switch
            {
                SweepOptions.StepsName => StepsSchema(),
                SweepOptions.RangeName => RangeSchema(),
                "format" => new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Enum = [JsonValue.Create("json"), JsonValue.Create("png")],
                    Default = JsonValue.Create("json"),
                },
                _ => parameter.Schema,
            };
        }

        if (operation.Responses?.TryGetValue("200", out var ok) == true && ok.Content?.ContainsKey("image/png") == true)
            ok.Content["image/png"] = new OpenApiMediaType
            {
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = capsule.PngDescription },
            };
    }

    private static OpenApiSchema StepsSchema() => new()
    {
        Type = JsonSchemaType.Integer,
        Format = "int32",
        Minimum = PerturbationSweep.MinSteps.ToString(),
        Maximum = PerturbationSweep.MaxSteps.ToString(),
        Default = JsonValue.Create(PerturbationSweep.DefaultSteps),
        Description = "Offsets per dimension (columns of the grid). Odd: the middle one is 0, the plain reconstruction.",
    };

    private static OpenApiSchema RangeSchema() => new()
    {
        Type = JsonSchemaType.Number,
        Format = "double",
        ExclusiveMinimum = "0",
        Maximum = "1",
        Default = JsonValue.Create(PerturbationSweep.DefaultRange),
        Description = "Each dimension is moved from −range to +range.",
    };

    private static Dictionary<string, IOpenApiExample> Examples(bool sweep)
    {
        var options = sweep ? ", \"steps\": 11, \"range\": 0.25" : "";
        var zero = "[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]";
        return new Dictionary<string, IOpenApiExample>
        {
            ["capsule"] = new OpenApiExample
            {
                Summary = "One 16-D capsule and its digit",
                Value = JsonNode.Parse($"{{\"digit\": 7, \"capsule\": {ExampleCapsule}{options}}}"),
            },
            ["capsules"] = new OpenApiExample
            {
                Summary = "All 10 capsules, as POST /predict returns them (the longest is decoded)",
                Value = JsonNode.Parse(
                    $"{{\"capsules\": [{string.Join(", ", Enumerable.Repeat(zero, 7))}, {ExampleCapsule}, {zero}, {zero}]{options}}}"),
            },
        };
    }
}
