namespace CapsNetService.Inference.Api.Models;

/// <summary>No model is loaded (none was published yet, or every one published was rejected).</summary>
public sealed class ModelUnavailableException()
    : Exception("No model is loaded: none has been published yet, or every published file was rejected (see GET /model).");
