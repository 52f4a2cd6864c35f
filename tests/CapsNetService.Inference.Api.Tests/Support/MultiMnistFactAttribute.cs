namespace CapsNetService.Inference.Api.Tests.Support;

/// <summary>
/// A test that needs an overlapping-digits model (<see cref="TestModels.MultiMnistDirectory"/>), skipped with the reason
/// while there is none. With <see cref="Trained"/>, it needs a trained one (its digits must come out right) and is
/// skipped while the model says it is untrained; with <see cref="Shipped"/>, the repository's models/ must hold that
/// trained model; with <see cref="Slow"/>, it runs only when CAPSNET_SLOW_TESTS=1; with <see cref="Browser"/>, only
/// when <see cref="BrowserFactAttribute"/>'s gates are open.
/// </summary>
public sealed class MultiMnistFactAttribute : FactAttribute
{
    private bool _trained, _slow, _shipped, _browser;

    public MultiMnistFactAttribute() => Decide();

    public bool Trained
    {
        get => _trained;
        init { _trained = value; Decide(); }
    }

    public bool Shipped
    {
        get => _shipped;
        init { _shipped = value; Decide(); }
    }

    public bool Browser
    {
        get => _browser;
        init { _browser = value; Decide(); }
    }

    public bool Slow
    {
        get => _slow;
        init { _slow = value; Decide(); }
    }

    private void Decide() => Skip = _slow && !SlowFactAttribute.Enabled
        ? $"slow end-to-end test; set {SlowFactAttribute.Variable}=1 to run it"
        : _browser && new BrowserFactAttribute().Skip is { } closed ? closed
        : _shipped ? TestModels.ShippedMultiMnistUntrained
        : _trained ? TestModels.MultiMnistUntrained : TestModels.MultiMnistMissing;
}
