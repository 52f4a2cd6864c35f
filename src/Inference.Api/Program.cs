using CapsNetService.Inference.Api.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddCommandLine(args, CommandLineSwitches.Mappings);
builder.AddApplicationServices();

var app = builder.Build();
app.UseApplicationPipeline();
app.Run();

/// <summary>The entry point; public so that the integration tests' WebApplicationFactory can reach it.</summary>
public partial class Program;
