using System.Net.Http.Headers;

namespace CapsNetService.Inference.Api.Tests.Support;

/// <summary>Builds multipart/form-data requests the way browsers and curl send them.</summary>
public static class UploadForms
{
    public static MultipartFormDataContent Form(params (string Field, byte[] Bytes, string FileName, string? ContentType)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (field, bytes, fileName, contentType) in files)
        {
            var part = new ByteArrayContent(bytes);
            if (contentType is not null) part.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            form.Add(part, field, fileName);
        }
        return form;
    }

    public static MultipartFormDataContent Image(byte[] png, string fileName = "digit.png", string contentType = "image/png") =>
        Form(("image", png, fileName, contentType));

    public static Task<HttpResponseMessage> PostImage(this HttpClient client, byte[] image, string fileName = "digit.png",
                                                      string contentType = "image/png", string path = "/predict") =>
        client.PostAsync(path, Image(image, fileName, contentType));
}
