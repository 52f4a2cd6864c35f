using System.Globalization;
using CapsNetService.Inference.Api.Contracts;
using CapsNetService.Inference.Api.Exploration;
using CapsNetService.Inference.Api.Inference;
using CapsNetService.Inference.Api.OpenApi;
using CapsNetService.Inference.Api.Problems;
using CapsNetService.Inference.Api.Uploads;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace CapsNetService.Inference.Api.Endpoints;

/// <summary>
/// The capsule explorer: POST /reconstruct decodes a digit capsule a client sends (moved sliders, say);
/// POST /explore shows what each of its 16 dimensions does, for an uploaded image (classified first) or a capsule.
/// Both run the decoder graph (<c>capsnet.decoder.onnx</c>) under ONNX Runtime, /explore in one call for the
/// whole sweep. Like /predict, <c>?format=png</c> answers with the image itself.
/// </summary>
public static class ExplorerEndpoints
{
    private const string GridPng = "the perturbation grid as one image/png";

    public static IEndpointRouteBuilder MapExplorerApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Capsule explorer").DisableAntiforgery();

        group.MapPost("/explore", Explore)
             .WithName("Explore")
             .WithSummary("What each capsule dimension means: decode the digit capsule with one dimension moved at a time.")
             .WithDescription(
                 "Send an image as multipart/form-data (file field `image`, the rules and limits of POST /predict; the "
                 + "predicted digit's capsule is explored) or a capsule as application/json (see ExploreRequest). Each of "
                 + "the 16 dimensions in turn is moved by `steps` offsets from −`range` to +`range` (default −0.25…0.25 in "
                 + "11 steps, as in the paper's Figure 4), and all 16 × steps capsules are decoded in one decoder call. "
                 + "The answer holds one base64 PNG per dimension and offset; with `?format=png`, one grid PNG instead: "
                 + "16 rows (d0…d15) × steps columns of 28×28 tiles with 1-pixel grey gutters (318×463 by default), "
                 + "headers X-Explored-Digit, X-Perturbation-Offsets and X-Model-Version. `steps` and `range` may be given "
                 + "in the query, in the JSON body or as form fields, once.")
             .WithMetadata(new ImageUploadMetadata(Multiple: false),
                           new CapsuleRequestMetadata(typeof(ExploreRequest), Sweep: true,
                               "With ?format=png: the perturbation grid, a greyscale PNG of 16 rows (capsule dimensions "
                               + "d0…d15) × steps columns (offsets −range…+range) of 28×28 tiles with 1-pixel gutters."))
             .Produces<ExploreResponse>(StatusCodes.Status200OK, "application/json", "image/png")
             .ProducesClientProblems()
             .RequiresModel();

        group.MapPost("/reconstruct", Reconstruct)
             .WithName("Reconstruct")
             .WithSummary("Decode one digit capsule to an image.")
             .WithDescription(
                 "Send application/json with `capsule` (16 numbers) and `digit`, or `capsules` (10 × 16, as POST /predict "
                 + "returns them; `digit` optional, default the longest). Only that digit's capsule is decoded, the others "
                 + "set to zero, as the decoder was trained: POST /predict's capsule unchanged gives POST /predict's "
                 + "reconstruction. Values must be finite and within ±2. With `?format=png` the image comes back as "
                 + "image/png (headers X-Reconstructed-Digit, X-Model-Version).")
             .WithMetadata(new CapsuleRequestMetadata(typeof(ReconstructRequest), Sweep: false,
                 "With ?format=png: the reconstruction, a 28×28 greyscale PNG."))
             .Produces<ReconstructResponse>(StatusCodes.Status200OK, "application/json", "image/png")
             .ProducesClientProblems()
             .RequiresModel();

        return app;
    }

    /// <param name="context">The request.</param>
    /// <param name="reader">Reads and checks an image upload.</param>
    /// <param name="explorer">Runs the classifier and the decoder.</param>
    /// <param name="format">json (default): base64 PNGs per dimension and offset; png: one grid image.</param>
    /// <param name="steps">Offsets per dimension, 2 to 21 (default 11); or in the body.</param>
    /// <param name="range">Each dimension moves from −range to +range; above 0, at most 1 (default 0.25); or in the body.</param>
    public static async Task<Results<Ok<ExploreResponse>, FileContentHttpResult, ProblemHttpResult>> Explore(
        HttpContext context, ImageUploadReader reader, CapsuleExplorer explorer,
        [FromQuery] string? format = null, [FromQuery] string? steps = null, [FromQuery] string? range = null)
    {
        if (!EndpointConventions.TryReadFormat(format, GridPng, out bool asPng, out var badFormat)) return badFormat;
        if (!SweepOptions.TryParse(steps, range, "in the query", out var queryOptions, out var error))
            return ApiProblems.InvalidOption(error!);

        var request = context.Request;
        CapsuleExploration exploration;
        if (CapsuleRequestReader.IsJson(request.ContentType))
        {
            var read = await CapsuleRequestReader.ReadAsync(request, withSweep: true, context.RequestAborted);
            if (read.Problem is { } refused) return refused;
            if (!SweepOptions.TryResolve(queryOptions, read.Request!.Sweep, out var sweep, out error))
                return ApiProblems.InvalidOption(error!);
            exploration = explorer.Explore(read.Request.Capsule, sweep);
        }
        else if (IsMultipart(request.ContentType))
        {
            var upload = await reader.ReadAsync(request, batch: false, context.RequestAborted);
            if (upload.Problem is { } refused) return refused;
            var form = request.Form; // read above
            if (!SweepOptions.TryParse(Field(form, SweepOptions.StepsName), Field(form, SweepOptions.RangeName), "in the form",
                                       out var formOptions, out error)
                || !SweepOptions.TryResolve(queryOptions, formOptions, out var sweep, out error))
                return ApiProblems.InvalidOption(error!);
            var (found, outcome) = explorer.Explore(upload.Uploads[0], sweep);
            if (outcome.Problem is { } rejected) return rejected;
            exploration = found!;
        }
        else
        {
            return ApiProblems.NotCapsuleJson(MediaType(request.ContentType), imagesToo: true);
        }

        EndpointConventions.SetModelVersionHeader(context, exploration.ModelVersion);
        if (asPng)
        {
            context.Response.Headers[EndpointConventions.ExploredDigitHeader] = exploration.Capsule.Digit.ToString(CultureInfo.InvariantCulture);
            context.Response.Headers[EndpointConventions.PerturbationOffsetsHeader] =
                string.Join(",", exploration.Sweep.Offsets.Select(o => o.ToString("R", CultureInfo.InvariantCulture)));
            return TypedResults.File(exploration.Grid.GridPng(), "image/png");
        }
        return TypedResults.Ok(new ExploreResponse(exploration));
    }

    /// <param name="context">The request.</param>
    /// <param name="explorer">Runs the decoder.</param>
    /// <param name="format">json (default): the JSON answer; png: only the image, as image/png.</param>
    public static async Task<Results<Ok<ReconstructResponse>, FileContentHttpResult, ProblemHttpResult>> Reconstruct(
        HttpContext context, CapsuleExplorer explorer, [FromQuery] string? format = null)
    {
        if (!EndpointConventions.TryReadFormat(format, EndpointConventions.ReconstructionPng, out bool asPng, out var badFormat)) return badFormat;
        if (!CapsuleRequestReader.IsJson(context.Request.ContentType))
            return ApiProblems.NotCapsuleJson(MediaType(context.Request.ContentType), imagesToo: false);

        var read = await CapsuleRequestReader.ReadAsync(context.Request, withSweep: false, context.RequestAborted);
        if (read.Problem is { } refused) return refused;

        CapsuleReconstruction reconstruction;
        reconstruction = explorer.Reconstruct(read.Request!.Capsule);

        EndpointConventions.SetModelVersionHeader(context, reconstruction.ModelVersion);
        if (asPng)
        {
            context.Response.Headers[EndpointConventions.ReconstructedDigitHeader] = reconstruction.Capsule.Digit.ToString(CultureInfo.InvariantCulture);
            return TypedResults.File(reconstruction.Png(), "image/png");
        }
        return TypedResults.Ok(new ReconstructResponse(reconstruction));
    }

    private static bool IsMultipart(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && parsed.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    /// <summary>The body's media type as the client wrote it; null when there is no Content-Type.</summary>
    private static string? MediaType(string? contentType) =>
        string.IsNullOrWhiteSpace(contentType)
            ? null
            : MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType.Value : contentType.Split(';')[0].Trim();

    private static string? Field(IFormCollection form, string name) =>
        form.TryGetValue(name, out var values) ? values.ToString() : null;
}
