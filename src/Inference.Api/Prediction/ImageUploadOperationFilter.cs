using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CapsNetService.Inference.Api.Prediction;

/// <summary>
/// Describes the multipart/form-data body of the upload endpoints (a binary <c>image</c>, or an array of binary
/// <c>images</c>), so that Swagger UI shows a file picker, and marks the image/png answer of POST /predict as binary.
/// </summary>
public sealed class ImageUploadOperationFilter : IOperationFilter
{
    /// <summary>Endpoint metadata: the endpoint takes images as multipart/form-data (read by
    /// <see cref="ImageUploadReader"/>); this filter describes the form.</summary>
    /// <param name="Multiple">False: one file field <c>image</c>; true: file fields <c>images</c>.</param>
    /// <param name="FileDescription">What the image shows, when not one digit (POST /predict/overlapping).</param>
    public sealed record Metadata(bool Multiple, string? FileDescription = null);

    private const string Multipart = "multipart/form-data";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var upload = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<Metadata>().FirstOrDefault();
        if (upload is null) return;

        var file = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Format = "binary",
            Description = upload.FileDescription
                          ?? "A PNG or JPEG image of one digit: a photo or a drawing, any size up to the limits, any colours.",
        };
        var field = upload.Multiple ? "images" : "image";
        var form = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Required = new HashSet<string> { field },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                [field] = upload.Multiple
                    ? new OpenApiSchema
                    {
                        Type = JsonSchemaType.Array,
                        Items = file,
                        Description = "The images, in order (a repeated field named 'image' works too).",
                    }
                    : file,
            },
        };
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Description = upload.Multiple ? "The images as multipart/form-data." : "The image as multipart/form-data.",
            Content = new Dictionary<string, IOpenApiMediaType>
            {
                [Multipart] = new OpenApiMediaType
                {
                    Schema = form,
                    Encoding = new Dictionary<string, OpenApiEncoding>
                    {
                        [field] = new() { ContentType = "image/png, image/jpeg" },
                    },
                },
            },
        };

        if (operation.Responses?.TryGetValue("200", out var ok) == true && ok.Content?.ContainsKey("image/png") == true)
            ok.Content["image/png"] = new OpenApiMediaType
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Format = "binary",
                    Description = "With ?format=png: the reconstruction, a 28×28 greyscale PNG.",
                },
            };
    }
}
