using Microsoft.OpenApi;

namespace CapsNetService.Inference.Api.Hosting;

/// <summary>The OpenAPI document (/swagger/v1/swagger.json) and Swagger UI (/swagger), served in every environment.</summary>
public static class SwaggerSetup
{
    public const string DocumentName = "v1";

    public static IServiceCollection AddApiDocumentation(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc(DocumentName, new OpenApiInfo
            {
                Title = "CapsNet digit service",
                Version = DocumentName,
                Description = "Recognises handwritten digits with a capsule network (CapsNet) under ONNX Runtime. "
                              + "Upload a PNG or JPEG to POST /predict; every error is application/problem+json.",
            });
            // A deployment that left out the XML documentation file still serves every route (Swashbuckle would
            // otherwise fail each request); the OpenAPI document then only lacks the summaries.
            var comments = Path.ChangeExtension(typeof(SwaggerSetup).Assembly.Location, ".xml");
            if (File.Exists(comments)) options.IncludeXmlComments(comments);
            options.SupportNonNullableReferenceTypes();
            options.NonNullableReferenceTypesAsRequired();
            options.OperationFilter<ImageUploadOperationFilter>();
            options.OperationFilter<CapsuleRequestOperationFilter>(); // after the upload filter: adds JSON to its form
        });
        return services;
    }

    public static WebApplication UseApiDocumentation(this WebApplication app)
    {
        app.UseSwagger();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint($"/swagger/{DocumentName}/swagger.json", "CapsNet digit service v1");
            options.DocumentTitle = "CapsNet digit service – API";
        });
        return app;
    }
}
