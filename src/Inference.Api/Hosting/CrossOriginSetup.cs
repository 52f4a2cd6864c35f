using CapsNetService.Inference.Api.Endpoints;
using CapsNetService.Inference.Api.Options;
using Microsoft.Extensions.Options;

namespace CapsNetService.Inference.Api.Hosting;

/// <summary>
/// CORS: closed unless <c>Cors:AllowedOrigins</c> lists origins; then those origins (and only those) may call every
/// endpoint from a browser with GET and POST and any request header, without credentials.
/// </summary>
public static class CrossOriginSetup
{
    public static IServiceCollection AddApiCrossOrigin(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CrossOriginOptions>().Bind(configuration.GetSection(CrossOriginOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CrossOriginOptions>, CrossOriginOptionsValidator>();
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>().Configure<IOptions<CrossOriginOptions>>((cors, allowed) =>
        {
            var origins = allowed.Value.Normalised();
            if (origins.Length > 0)
                cors.AddDefaultPolicy(policy => policy.WithOrigins(origins).WithMethods("GET", "POST").AllowAnyHeader()
                                                      .WithExposedHeaders(EndpointConventions.ExposedHeaders));
        });
        return services;
    }

    /// <summary>Adds the CORS middleware only when origins are configured: otherwise there is no policy to apply,
    /// no Access-Control-Allow-Origin is ever sent, and browsers keep other origins out.</summary>
    public static IApplicationBuilder UseApiCrossOrigin(this IApplicationBuilder app)
    {
        if (app.ApplicationServices.GetRequiredService<IOptions<CrossOriginOptions>>().Value.Normalised().Length > 0)
            app.UseCors();
        return app;
    }
}
