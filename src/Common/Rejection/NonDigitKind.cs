namespace CapsNetService.Common.Rejection;

/// <summary>The kinds of picture <see cref="NonDigitGenerator"/> draws; none of them is a single digit.</summary>
public enum NonDigitKind
{
    /// <summary>Letters that do not look like digits, from the installed DejaVu fonts.</summary>
    Letters,
    /// <summary>Filled and outlined geometric shapes; never a plain ring (a zero) or a single bar (a one).</summary>
    Shapes,
    /// <summary>Several straight strokes, or a scribble of curves.</summary>
    Scribbles,
    /// <summary>Noise and textures: speckle, blotches, stripes, checks, dot grids.</summary>
    Noise,
    /// <summary>Two MNIST digits of different classes side by side: digits, but not one digit.</summary>
    DigitPairs,
}

public static class NonDigitKinds
{
    /// <summary>The name reports and metadata use: letters, shapes, scribbles, noise, digit-pairs.</summary>
    public static string Name(this NonDigitKind kind) => kind switch
    {
        NonDigitKind.DigitPairs => "digit-pairs",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
