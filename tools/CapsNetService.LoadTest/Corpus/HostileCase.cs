using CapsNetService.LoadTest.Http;

namespace CapsNetService.LoadTest.Corpus;

/// <summary>
/// One bad request of the corpus and what the service should answer.
/// </summary>
/// <param name="Id">Its position in the corpus (which is shuffled, so that every batch mixes categories).</param>
/// <param name="Category">The family (truncated-image, huge-body, slow-sender, …).</param>
/// <param name="Case">What exactly is wrong with it.</param>
/// <param name="Expected">The statuses that are right for it. Almost always one 4xx; a few cases whose damage may
/// leave a readable image (a flipped bit in pixel data) also allow 200.</param>
/// <param name="DetailMentions">Text the problem's detail must hold (e.g. which image of a batch was refused).</param>
/// <param name="ProtocolLevel">Refused by Kestrel before any middleware runs (a malformed request line or framing):
/// a 4xx is required, but it comes with an empty body, not problem+json.</param>
/// <param name="Slow">A slow sender: it runs in its own lane and has a longer timeout.</param>
public sealed record HostileCase(
    int Id, string Category, string Case, RawRequest Request, int[] Expected,
    string? DetailMentions = null, bool ProtocolLevel = false, bool Slow = false);
