namespace CapsNetService.Inference.Api.Uploads;

/// <summary>One uploaded image file, in the order it came in the form.</summary>
/// <param name="Index">Its position among the request's images, from 0.</param>
/// <param name="FileName">The name the client gave it, without any folder (may be empty).</param>
public sealed record ImageUpload(int Index, string FileName, byte[] Bytes);
