namespace CapsNetService.Common.Rejection;

/// <summary>No DejaVu font is installed, so the letters of the non-digit set cannot be drawn.</summary>
public sealed class FontsMissingException(string message) : InvalidOperationException(message);
