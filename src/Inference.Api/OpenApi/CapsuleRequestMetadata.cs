namespace CapsNetService.Inference.Api.OpenApi;

/// <summary>Endpoint metadata: the endpoint takes a digit capsule as application/json (read by
/// <see cref="Exploration.CapsuleRequestReader"/>); <see cref="CapsuleRequestOperationFilter"/> describes it.</summary>
/// <param name="RequestType">The documented shape of the body (<see cref="Contracts.ReconstructRequest"/> or
/// <see cref="Contracts.ExploreRequest"/>).</param>
/// <param name="Sweep">True when <c>steps</c> and <c>range</c> apply (POST /explore).</param>
/// <param name="PngDescription">What <c>?format=png</c> returns.</param>
public sealed record CapsuleRequestMetadata(Type RequestType, bool Sweep, string PngDescription);
