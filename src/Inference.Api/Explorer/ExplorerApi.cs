using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace CapsNetService.Inference.Api.Explorer;

/// <summary>
/// The capsule explorer: POST /reconstruct decodes a digit capsule a client sends (moved sliders, say);
/// POST /explore shows what each of its 16 dimensions does, for an uploaded image (classified first) or a capsule.
/// Both run the decoder graph (<c>capsnet.decoder.onnx</c>) under ONNX Runtime, /explore in one call for the
/// whole sweep. Like /predict, <c>?format=png</c> answers with the image itself.
/// </summary>
public static class ExplorerApi
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
             .WithMetadata(new ImageUploadOperationFilter.Metadata(Multiple: false),
                           new CapsuleRequestOperationFilter.Metadata(typeof(ExploreRequest), Sweep: true,
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
             .WithMetadata(new CapsuleRequestOperationFilter.Metadata(typeof(ReconstructRequest), Sweep: false,
                 "With ?format=png: the reconstruction, a 28×28 greyscale PNG."))
             .Produces<ReconstructResponse>(StatusCodes.Status200OK, "application/json", "image/png")
             .ProducesClientProblems()
             .RequiresModel();

        return app;
    }

    /// <param name="context">The request.</param>
    /// <param name="reader">Reads and checks an image upload.</param>
    /// <param name="guard">Bounds the reading of a JSON body (time, concurrency).</param>
    /// <param name="explorer">Runs the classifier and the decoder.</param>
    /// <param name="format">json (default): base64 PNGs per dimension and offset; png: one grid image.</param>
    /// <param name="steps">Offsets per dimension, 2 to 21 (default 11); or in the body.</param>
    /// <param name="range">Each dimension moves from −range to +range; above 0, at most 1 (default 0.25); or in the body.</param>
    public static async Task<Results<Ok<ExploreResponse>, FileContentHttpResult>> Explore(
        HttpContext context, ImageUploadReader reader, BodyReadGuard guard, CapsuleExplorer explorer,
        [FromQuery] string? format = null, [FromQuery] string? steps = null, [FromQuery] string? range = null)
    {
        bool asPng = ApiConventions.WantsPng(format, GridPng);
        var queryOptions = SweepOptions.Parse(steps, range, "in the query");

        var request = context.Request;
        // A header that does not parse (sent twice, say) is neither JSON nor multipart, and must not be described as either.
        if (!string.IsNullOrWhiteSpace(request.ContentType) && !MediaTypeHeaderValue.TryParse(request.ContentType, out _))
            throw ApiProblem.UnreadableContentType(capsuleToo: true);
        CapsuleExploration exploration;
        if (CapsuleRequestReader.IsJson(request.ContentType))
        {
            var read = await guard.ReadAsync(request, deadline => CapsuleRequestReader.ReadAsync(request, withSweep: true, deadline));
            exploration = explorer.Explore(read.Capsule, SweepOptions.Resolve(queryOptions, read.Sweep));
        }
        else if (IsMultipart(request.ContentType))
        {
            var uploads = await reader.ReadAsync(request, batch: false);
            var form = request.Form; // read above
            var formOptions = SweepOptions.Parse(Field(form, SweepOptions.StepsName), Field(form, SweepOptions.RangeName), "in the form");
            exploration = explorer.Explore(uploads[0], SweepOptions.Resolve(queryOptions, formOptions));
        }
        else
        {
            throw ApiProblem.NotCapsuleJson(MediaType(request.ContentType), imagesToo: true);
        }

        ApiConventions.SetModelVersionHeader(context, exploration.ModelVersion);
        if (asPng)
        {
            context.Response.Headers[ApiConventions.ExploredDigitHeader] = exploration.Capsule.Digit.ToString(CultureInfo.InvariantCulture);
            context.Response.Headers[ApiConventions.PerturbationOffsetsHeader] =
                string.Join(",", exploration.Sweep.Offsets.Select(o => o.ToString("R", CultureInfo.InvariantCulture)));
            return TypedResults.File(exploration.Grid.GridPng(), "image/png");
        }
        return TypedResults.Ok(new ExploreResponse(exploration));
    }

    /// <param name="context">The request.</param>
    /// <param name="guard">Bounds the reading of the JSON body (time, concurrency).</param>
    /// <param name="explorer">Runs the decoder.</param>
    /// <param name="format">json (default): the JSON answer; png: only the image, as image/png.</param>
    public static async Task<Results<Ok<ReconstructResponse>, FileContentHttpResult>> Reconstruct(
        HttpContext context, BodyReadGuard guard, CapsuleExplorer explorer, [FromQuery] string? format = null)
    {
        bool asPng = ApiConventions.WantsPng(format, ApiConventions.ReconstructionPng);
        if (!CapsuleRequestReader.IsJson(context.Request.ContentType))
            throw ApiProblem.NotCapsuleJson(MediaType(context.Request.ContentType), imagesToo: false);

        var read = await guard.ReadAsync(context.Request, deadline => CapsuleRequestReader.ReadAsync(context.Request, withSweep: false, deadline));
        var reconstruction = explorer.Reconstruct(read.Capsule);

        ApiConventions.SetModelVersionHeader(context, reconstruction.ModelVersion);
        if (asPng)
        {
            context.Response.Headers[ApiConventions.ReconstructedDigitHeader] = reconstruction.Capsule.Digit.ToString(CultureInfo.InvariantCulture);
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

/// <summary>
/// A digit capsule to decode (POST /reconstruct): <c>capsule</c> (16 numbers) with the <c>digit</c> it stands for, or
/// <c>capsules</c> (10 arrays of 16, indexed by digit, as POST /predict returns them) with an optional <c>digit</c>
/// (default: the longest capsule, the predicted digit). Only the chosen digit's capsule is decoded, every other is
/// set to zero, as the decoder was trained. Every value must be a finite number within ±2 (the network's own capsules
/// are shorter than 1). The body is read by <see cref="CapsuleRequestReader"/>; this class documents it.
/// </summary>
public class ReconstructRequest
{
    /// <summary>The digit (0–9) whose capsule this is. Required with <c>capsule</c>; with <c>capsules</c>, the row to decode.</summary>
    /// <example>7</example>
    [Range(0, 9)]
    public int? Digit { get; init; }

    /// <summary>The digit's capsule: 16 numbers, each within ±2. Give this or <c>capsules</c>, not both.</summary>
    /// <example>[0.2962, 0.1848, -0.0944, 0.3359, -0.1681, 0.2968, 0.3036, 0.2929, 0.1689, -0.2977, 0.0125, -0.0063, -0.1432, 0.3147, -0.1425, -0.2207]</example>
    [Length(16, 16)]
    public float[]? Capsule { get; init; }

    /// <summary>All 10 digit capsules (10 arrays of 16 numbers, indexed by digit), e.g. POST /predict's <c>capsules</c> unchanged.</summary>
    [Length(10, 10)]
    public float[][]? Capsules { get; init; }
}

/// <summary>
/// A digit capsule to explore (POST /explore with application/json): the capsule as for POST /reconstruct, and the
/// sweep. Each of the 16 dimensions in turn is moved by <c>steps</c> offsets evenly spaced from −<c>range</c> to
/// +<c>range</c> (default −0.25…0.25 in 11 steps, as in the paper). <c>steps</c> and <c>range</c> may be given in the
/// query instead, not in both.
/// </summary>
public sealed class ExploreRequest : ReconstructRequest
{
    /// <summary>Offsets per dimension, 2 to 21 (default 11). With an odd number the middle one is 0: the plain reconstruction.</summary>
    /// <example>11</example>
    [Range(2, 21)]
    public int? Steps { get; init; }

    /// <summary>How far each dimension is moved either way: above 0, at most 1 (default 0.25).</summary>
    /// <example>0.25</example>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double? Range { get; init; }
}

/// <summary>The decoder's image of one digit capsule (POST /reconstruct).</summary>
public sealed class ReconstructResponse
{
    public ReconstructResponse(CapsuleReconstruction reconstruction)
    {
        Digit = reconstruction.Capsule.Digit;
        Capsule = reconstruction.Capsule.Values;
        CapsuleLength = reconstruction.Capsule.Length;
        Reconstruction = Convert.ToBase64String(reconstruction.Png());
        ModelVersion = reconstruction.ModelVersion;
        InferenceMilliseconds = Math.Round(reconstruction.Elapsed.TotalMilliseconds, 3);
    }

    /// <summary>The digit whose capsule was decoded.</summary>
    /// <example>7</example>
    public int Digit { get; }

    /// <summary>The 16 values that were decoded (as received, in float32).</summary>
    /// <example>[0.2962, 0.1848, -0.0944, 0.3359, -0.1681, 0.2968, 0.3036, 0.2929, 0.1689, -0.2977, 0.0125, -0.0063, -0.1432, 0.3147, -0.1425, -0.2207]</example>
    public float[] Capsule { get; }

    /// <summary>The capsule's length (for the network's own capsules: the probability that the digit is present).</summary>
    /// <example>0.919</example>
    public float CapsuleLength { get; }

    /// <summary>The decoder's image: a 28×28 greyscale PNG, base64-encoded.</summary>
    /// <example>iVBORw0KGgoAAAANSUhEUgAAABwAAAAcCAAAAABXZoBIAAAAFklEQVR42mNgGHrg////o7IjVnbgAACeyjLOT5E9LAAAAABJRU5ErkJggg==</example>
    public string Reconstruction { get; }

    /// <summary>The version of the model that answered.</summary>
    /// <example>20261128-e30-6c2398ec</example>
    public string ModelVersion { get; }

    /// <summary>Time of the decoder's ONNX Runtime call, in milliseconds.</summary>
    /// <example>0.9</example>
    public double InferenceMilliseconds { get; }
}

/// <summary>
/// What each dimension of a digit capsule does (POST /explore; the paper's Figure 4): for each of the 16 dimensions,
/// the decoder's images with that dimension moved by each offset, all from one decoder call of 16 × steps capsules.
/// </summary>
public sealed class ExploreResponse
{
    public ExploreResponse(CapsuleExploration exploration)
    {
        var capsule = exploration.Capsule;
        Digit = capsule.Digit;
        Source = exploration.Prediction is null ? "capsule" : "image";
        Capsule = capsule.Values;
        CapsuleLength = capsule.Length;
        Offsets = exploration.Sweep.Offsets;
        Dimensions = Enumerable.Range(0, exploration.Grid.Rows).Select(d => new ExploredDimension
        {
            Dimension = d,
            Value = capsule.Values[d],
            Images = Enumerable.Range(0, exploration.Grid.Columns)
                               .Select(k => Convert.ToBase64String(exploration.Grid.TilePng(d, k))).ToArray(),
        }).ToList();
        ModelVersion = exploration.ModelVersion;
        InferenceMilliseconds = Math.Round(exploration.Elapsed.TotalMilliseconds, 3);
        if (exploration.Prediction is { } outcome)
            Prediction = new PredictionResponse(outcome.Images[0], outcome.ModelVersion, outcome.InferenceTime);
    }

    /// <summary>The digit whose capsule was explored (for an image: the predicted digit).</summary>
    /// <example>7</example>
    public int Digit { get; }

    /// <summary><c>image</c> when an image was uploaded and classified first; <c>capsule</c> when a capsule was sent.</summary>
    /// <example>image</example>
    public string Source { get; }

    /// <summary>The explored capsule's 16 values before any offset.</summary>
    /// <example>[0.2962, 0.1848, -0.0944, 0.3359, -0.1681, 0.2968, 0.3036, 0.2929, 0.1689, -0.2977, 0.0125, -0.0063, -0.1432, 0.3147, -0.1425, -0.2207]</example>
    public float[] Capsule { get; }

    /// <summary>The capsule's length.</summary>
    /// <example>0.919</example>
    public float CapsuleLength { get; }

    /// <summary>The offsets added to one dimension at a time, one per column, from −range to +range.</summary>
    /// <example>[-0.25, -0.2, -0.15, -0.1, -0.05, 0, 0.05, 0.1, 0.15, 0.2, 0.25]</example>
    public float[] Offsets { get; }

    /// <summary>16 rows, one per capsule dimension (d0…d15), each with one image per offset.</summary>
    public IReadOnlyList<ExploredDimension> Dimensions { get; }

    /// <summary>The version of the model that answered.</summary>
    /// <example>20261128-e30-6c2398ec</example>
    public string ModelVersion { get; }

    /// <summary>Time of the one decoder call (16 × steps capsules), in milliseconds.</summary>
    /// <example>21.5</example>
    public double InferenceMilliseconds { get; }

    /// <summary>For an uploaded image: the classifier's full answer, as POST /predict gives it; null for a capsule.</summary>
    public PredictionResponse? Prediction { get; }
}

/// <summary>One capsule dimension moved through the offsets.</summary>
public sealed class ExploredDimension
{
    /// <summary>The dimension, 0 to 15.</summary>
    /// <example>4</example>
    public required int Dimension { get; init; }

    /// <summary>The dimension's value in the capsule before any offset.</summary>
    /// <example>-0.1681</example>
    public required float Value { get; init; }

    /// <summary>One 28×28 greyscale PNG (base64) per offset, in the order of <c>offsets</c>.</summary>
    /// <example>["iVBORw0KGgoAAAANSUhEUgAAABwAAAAcCAAAAABXZoBIAAAAFklEQVR42mNgGHrg////o7IjVnbgAACeyjLOT5E9LAAAAABJRU5ErkJggg=="]</example>
    public required string[] Images { get; init; }
}
