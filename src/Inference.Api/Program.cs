// The content root is the application's folder, not the working directory: its appsettings.json (request logs at
// Warning, the documented defaults) applies however the service is started (from the repository root, a unit file).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddCommandLine(args, Extensions.CommandLineSwitches);
builder.AddApplicationServices();

var app = builder.Build();
app.UseApplicationPipeline();
try
{
    app.Run();
}
catch (OptionsValidationException invalid)
{
    // A setting that cannot work is the operator's mistake, not a crash: one line naming the key, exit code 2
    // (as the trainer does for bad arguments), no unhandled-exception abort. The host has logged the details.
    Console.Error.WriteLine($"capsnet-api: {invalid.Message}");
    return 2;
}
return 0;

/// <summary>The entry point; public so that the integration tests' WebApplicationFactory can reach it.</summary>
public partial class Program;
