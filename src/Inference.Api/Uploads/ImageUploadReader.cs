using CapsNetService.Inference.Api.Metrics;
using CapsNetService.Inference.Api.Options;
using CapsNetService.Inference.Api.Problems;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace CapsNetService.Inference.Api.Uploads;

/// <summary>
/// Reads the images of a multipart/form-data upload and refuses, with the matching problem, everything that is not
/// one: another body type (415), a body over <see cref="UploadLimitsOptions.MaxRequestBytes"/> (413), a malformed
/// form, no image field, more images than allowed, or an empty file (400), a part declared as another type (415), and
/// bytes that are neither PNG nor JPEG (422). The pixels are not looked at here: that is the preprocessor's work.
/// </summary>
public sealed class ImageUploadReader(IOptions<UploadLimitsOptions> limits, InferenceMetrics metrics)
{
    /// <summary>The file field of POST /predict.</summary>
    public const string ImageField = "image";

    /// <summary>The file fields of POST /predict/batch, in any mix; files keep the order they came in.</summary>
    public static readonly string[] BatchFields = [ImageField, "images", "images[]"];

    private static readonly string[] AcceptedPartTypes = ["image/png", "image/jpeg", "image/jpg", "image/pjpeg", "application/octet-stream"];

    private readonly UploadLimitsOptions _limits = limits.Value;

    public async Task<UploadReadResult> ReadAsync(HttpRequest request, bool batch, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.ContentType))
            return UploadReadResult.Refused(ApiProblems.MissingContentType());
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType))
            return UploadReadResult.Refused(ApiProblems.UnreadableContentType());
        if (!contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            return UploadReadResult.Refused(ApiProblems.NotMultipart(contentType.MediaType.Value ?? request.ContentType));
        if (HeaderUtilities.RemoveQuotes(contentType.Boundary).Length == 0)
            return UploadReadResult.Refused(ApiProblems.MissingBoundary());

        if (request.ContentLength > _limits.MaxRequestBytes)
            return UploadReadResult.Refused(ApiProblems.BodyTooLarge(request.ContentLength, _limits.MaxRequestBytes));
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            bodyLimit.MaxRequestBodySize = _limits.MaxRequestBytes;

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return UploadReadResult.Refused(ApiProblems.BodyTooLarge(null, _limits.MaxRequestBytes));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status408RequestTimeout)
        {
            // Kestrel's minimum body data rate: a sender that trickles or stalls.
            return UploadReadResult.Refused(ApiProblems.RequestBodyTimeout());
        }
        catch (InvalidDataException e) when (e.Message.StartsWith("Multipart body length limit", StringComparison.OrdinalIgnoreCase))
        {
            return UploadReadResult.Refused(ApiProblems.BodyTooLarge(null, _limits.MaxRequestBytes));
        }
        catch (InvalidDataException e) when (FormReaderLimit(e.Message) is { } part)
        {
            return UploadReadResult.Refused(ApiProblems.FormPartOverLimit(part));
        }
        catch (InvalidDataException e) when (e.Message.Contains("count limit", StringComparison.OrdinalIgnoreCase))
        {
            return UploadReadResult.Refused(ApiProblems.TooManyFormParts());
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return UploadReadResult.Refused(ApiProblems.MalformedForm());
        }

        var fields = batch ? BatchFields : [ImageField];
        var files = form.Files.Where(f => fields.Contains(f.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        if (files.Count == 0)
            return UploadReadResult.Refused(ApiProblems.MissingImageField(
                form.Files.Select(f => f.Name).Distinct().ToList(), form.ContainsKey(ImageField), batch));
        if (!batch && files.Count > 1)
            return UploadReadResult.Refused(ApiProblems.MoreThanOneImage(files.Count, request.Path.Value ?? "/predict"));
        if (batch && files.Count > _limits.MaxBatchImages)
            return UploadReadResult.Refused(ApiProblems.TooManyImages(files.Count, _limits.MaxBatchImages));

        var uploads = new List<ImageUpload>(files.Count);
        for (int i = 0; i < files.Count; i++)
        {
            var file = files[i];
            var name = SafeFileName(file.FileName);
            var which = ApiProblems.Describe(i, name, batch);
            if (file.Length == 0)
                return Refuse("empty_file", ApiProblems.EmptyFile(which));
            if (!IsAcceptedPartType(file.ContentType))
                return Refuse("unsupported_type", ApiProblems.UnsupportedFileType(which, file.ContentType));

            var bytes = new byte[file.Length];
            await using (var stream = file.OpenReadStream())
                await stream.ReadExactlyAsync(bytes, cancellationToken);
            if (!ImageSignature.IsPngOrJpeg(bytes))
                return Refuse("not_an_image", ApiProblems.NotPngOrJpeg(which));
            uploads.Add(new ImageUpload(i, name, bytes));
        }
        return new UploadReadResult(uploads, null);
    }

    /// <summary>The form reader's limits other than the body's (a boundary, a header, a line, a text field), by the
    /// message ASP.NET Core's reader throws: the part over it, in words; null for any other error. These are
    /// malformed forms (400), not large bodies: a few hundred bytes can break them.</summary>
    private static string? FormReaderLimit(string message)
    {
        bool Starts(string prefix) => message.StartsWith(prefix, StringComparison.OrdinalIgnoreCase);
        if (Starts("Multipart boundary length limit")) return "the boundary";
        if (Starts("Multipart header length limit") || Starts("Multipart headers length limit")) return "a part's headers";
        if (Starts("Multipart headers count limit")) return "a part's number of header lines";
        if (Starts("Line length limit")) return "a line of the form (lines must end in CRLF)";
        if (Starts("Form key or value length limit")) return "a text field";
        return null;
    }

    private UploadReadResult Refuse(string reason, Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult problem)
    {
        metrics.RecordRejectedImage(reason);
        return UploadReadResult.Refused(problem);
    }

    /// <summary>No declared type (or the generic octet-stream that curl and many clients send) is accepted and left
    /// to the signature check; a declared type must be PNG or JPEG.</summary>
    private static bool IsAcceptedPartType(string? declared)
    {
        if (string.IsNullOrWhiteSpace(declared)) return true;
        if (!MediaTypeHeaderValue.TryParse(declared, out var parsed)) return false;
        return AcceptedPartTypes.Contains(parsed.MediaType.Value, StringComparer.OrdinalIgnoreCase);
    }

    private static string SafeFileName(string? fileName)
    {
        if (string.IsNullOrEmpty(fileName)) return "";
        var name = fileName.Replace('\\', '/');
        return name[(name.LastIndexOf('/') + 1)..];
    }
}
