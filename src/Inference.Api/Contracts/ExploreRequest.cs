using System.ComponentModel.DataAnnotations;

namespace CapsNetService.Inference.Api.Contracts;

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
