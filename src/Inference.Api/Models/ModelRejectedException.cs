namespace CapsNetService.Inference.Api.Models;

/// <summary>
/// A published model that the service will not serve: a file is missing, does not load, breaks the
/// <see cref="Common.ModelContract"/>, or fails its test inference. The message says what is wrong in words meant
/// for an operator (it is shown by GET /model and logged); it names files but never their folder.
/// </summary>
public sealed class ModelRejectedException : Exception
{
    public ModelRejectedException(string message) : base(message) { }

    public ModelRejectedException(string message, Exception innerException) : base(message, innerException) { }
}
