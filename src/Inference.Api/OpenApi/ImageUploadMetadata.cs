namespace CapsNetService.Inference.Api.OpenApi;

/// <summary>Endpoint metadata: the endpoint takes images as multipart/form-data (read by
/// <see cref="Uploads.ImageUploadReader"/>); <see cref="ImageUploadOperationFilter"/> describes the form.</summary>
/// <param name="Multiple">False: one file field <c>image</c>; true: file fields <c>images</c>.</param>
public sealed record ImageUploadMetadata(bool Multiple);
