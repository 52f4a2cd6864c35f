using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace CapsNetService.Inference.Api.Prediction;

/// <summary>
/// Reads the images of a multipart/form-data upload and refuses, with the matching problem, everything that is not
/// one: another body type (415), a body over <see cref="UploadLimitsOptions.MaxRequestBytes"/> (413), a malformed
/// form, no image field, more images than allowed, or an empty file (400), a part declared as another type (415), and
/// bytes that are neither PNG nor JPEG (422), each as a thrown <see cref="ApiProblem"/>. The pixels are not looked at
/// here: that is the preprocessor's work.
/// </summary>
public sealed class ImageUploadReader(IOptions<UploadLimitsOptions> limits, IOptions<FormOptions> formOptions,
                                       BodyReadGuard guard, InferenceMetrics metrics)
{
    /// <summary>The file field of POST /predict.</summary>
    public const string ImageField = "image";

    /// <summary>The file fields of POST /predict/batch, in any mix; files keep the order they came in.</summary>
    public static readonly string[] BatchFields = [ImageField, "images", "images[]"];

    private static readonly string[] AcceptedPartTypes = ["image/png", "image/jpeg", "image/jpg", "image/pjpeg", "application/octet-stream"];

    private readonly UploadLimitsOptions _limits = limits.Value;

    /// <exception cref="ApiProblem">The request is not an acceptable upload.</exception>
    public async Task<IReadOnlyList<ImageUpload>> ReadAsync(HttpRequest request, bool batch)
    {
        if (string.IsNullOrWhiteSpace(request.ContentType))
            throw ApiProblem.MissingContentType();
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType))
            throw ApiProblem.UnreadableContentType();
        if (!contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            throw ApiProblem.NotMultipart(contentType.MediaType.Value ?? request.ContentType);
        if (HeaderUtilities.RemoveQuotes(contentType.Boundary).Length == 0)
            throw ApiProblem.MissingBoundary();

        if (request.ContentLength > _limits.MaxRequestBytes)
            throw ApiProblem.BodyTooLarge(request.ContentLength, _limits.MaxRequestBytes);
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            bodyLimit.MaxRequestBodySize = _limits.MaxRequestBytes;

        return await guard.ReadAsync(request, deadline => ReadFormAsync(request, batch, deadline));
    }

    private async Task<IReadOnlyList<ImageUpload>> ReadFormAsync(HttpRequest request, bool batch, CancellationToken cancellationToken)
    {
        IFormCollection form;
        try
        {
            // Not the deadline's token: the form reader aborts the whole connection when its token fires, and a 408 is
            // to be sent. The body stream of the guard ends a read past the deadline or the idle limit by itself.
            form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw ApiProblem.BodyTooLarge(null, _limits.MaxRequestBytes);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status408RequestTimeout)
        {
            // Kestrel's minimum body data rate: a sender that trickles or stalls.
            throw ApiProblem.RequestBodyTimeout();
        }
        catch (InvalidDataException e) when (e.Message.StartsWith("Multipart body length limit", StringComparison.OrdinalIgnoreCase))
        {
            throw ApiProblem.BodyTooLarge(null, _limits.MaxRequestBytes);
        }
        catch (InvalidDataException e) when (FormReaderLimit(e.Message) is { } part)
        {
            throw ApiProblem.FormPartOverLimit(part);
        }
        catch (InvalidDataException e) when (e.Message.Contains("count limit", StringComparison.OrdinalIgnoreCase))
        {
            throw ApiProblem.TooManyFormParts();
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            throw ApiProblem.MalformedForm();
        }

        // ASP.NET Core's reader holds a multipart text field only to the body's limit (its value length limit is for
        // url-encoded forms): the documented 4 MiB per text field is enforced here.
        int valueLimit = formOptions.Value.ValueLengthLimit;
        if (form.Any(field => field.Value.Any(value => value?.Length > valueLimit)))
            throw ApiProblem.FormPartOverLimit("a text field");

        var fields = batch ? BatchFields : [ImageField];
        var files = form.Files.Where(f => fields.Contains(f.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        if (files.Count == 0)
            throw ApiProblem.MissingImageField(
                form.Files.Select(f => f.Name).Distinct().ToList(), form.ContainsKey(ImageField), batch);
        if (!batch && files.Count > 1)
            throw ApiProblem.MoreThanOneImage(files.Count, request.Path.Value ?? "/predict");
        if (batch && files.Count > _limits.MaxBatchImages)
            throw ApiProblem.TooManyImages(files.Count, _limits.MaxBatchImages);

        var uploads = new List<ImageUpload>(files.Count);
        for (int i = 0; i < files.Count; i++)
        {
            var file = files[i];
            var name = SafeFileName(file.FileName);
            var which = ApiProblem.Describe(i, name, batch);
            if (file.Length == 0)
                throw Refuse("empty_file", ApiProblem.EmptyFile(which));
            if (!IsAcceptedPartType(file.ContentType))
                throw Refuse("unsupported_type", ApiProblem.UnsupportedFileType(which, file.ContentType));

            var bytes = new byte[file.Length];
            await using (var stream = file.OpenReadStream())
                await stream.ReadExactlyAsync(bytes, cancellationToken);
            if (!IsPngOrJpeg(bytes))
                throw Refuse("not_an_image", ApiProblem.NotPngOrJpeg(which));
            uploads.Add(new ImageUpload(i, name, bytes));
        }
        return uploads;
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

    private ApiProblem Refuse(string reason, ApiProblem problem)
    {
        metrics.RecordRejectedImage(reason);
        return problem;
    }

    /// <summary>No declared type (or the generic octet-stream that curl and many clients send) is accepted and left
    /// to the signature check; a declared type must be PNG or JPEG.</summary>
    private static bool IsAcceptedPartType(string? declared)
    {
        if (string.IsNullOrWhiteSpace(declared)) return true;
        if (!MediaTypeHeaderValue.TryParse(declared, out var parsed)) return false;
        return AcceptedPartTypes.Contains(parsed.MediaType.Value, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Recognises PNG and JPEG files by their first bytes, whatever the client declared.</summary>
    private static bool IsPngOrJpeg(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]);

    private static string SafeFileName(string? fileName)
    {
        if (string.IsNullOrEmpty(fileName)) return "";
        var name = fileName.Replace('\\', '/');
        return name[(name.LastIndexOf('/') + 1)..];
    }
}

/// <summary>One uploaded image file, in the order it came in the form.</summary>
/// <param name="Index">Its position among the request's images, from 0.</param>
/// <param name="FileName">The name the client gave it, without any folder (may be empty).</param>
public sealed record ImageUpload(int Index, string FileName, byte[] Bytes);
