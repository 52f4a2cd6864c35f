using CapsNetService.Common.Imaging;
using CapsNetService.Common.Rejection;
using CapsNetService.Tests;

namespace CapsNetService.Common.Tests.Rejection;

/// <summary>The generated non-digit set: deterministic from its seed, and what the service's preprocessor makes of it.</summary>
public class NonDigitGeneratorTests
{
    [FontFact]
    public void The_same_seed_draws_the_same_set_and_another_seed_another()
    {
        var a = new NonDigitGenerator(11, RealMnist.Test).Generate(6);
        var b = new NonDigitGenerator(11, RealMnist.Test).Generate(6);
        var c = new NonDigitGenerator(12, RealMnist.Test).Generate(6);

        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Kind, b[i].Kind);
            Assert.Equal(a[i].Pixels, b[i].Pixels);
        }
        Assert.Contains(Enumerable.Range(0, a.Count), i => !a[i].Pixels.SequenceEqual(c[i].Pixels));
    }

    [FontFact]
    public void Every_kind_is_drawn_and_framed_as_the_service_frames_an_upload()
    {
        var generator = new NonDigitGenerator(3, RealMnist.Test);
        var samples = generator.Generate(8);
        var preprocessor = new DigitImagePreprocessor();

        Assert.Equal(Enum.GetValues<NonDigitKind>(), samples.Select(s => s.Kind).Distinct());
        Assert.Equal(8 * Enum.GetValues<NonDigitKind>().Length, samples.Count);
        foreach (var sample in samples)
        {
            Assert.Equal(ModelContract.ImagePixels, sample.Pixels.Length);
            Assert.All(sample.Pixels, p => Assert.InRange(p, 0f, 1f));
            Assert.Equal(1f, sample.Pixels.Max());
            // The pixels are exactly what the service makes of the drawn PNG.
            Assert.Equal(preprocessor.Process(sample.Png).Pixels, sample.Pixels);
        }
    }

    [FontFact]
    public void A_sample_does_not_depend_on_how_many_are_drawn()
    {
        var generator = new NonDigitGenerator(5, RealMnist.Test);
        var few = generator.Generate(3);
        var more = generator.Generate(5);
        var letters = more.Where(s => s.Kind == NonDigitKind.Letters).Take(3).ToList();
        Assert.Equal(few.Where(s => s.Kind == NonDigitKind.Letters).Select(s => s.Pixels), letters.Select(s => s.Pixels));
        Assert.Equal(generator.Sample(NonDigitKind.Shapes, 2).Pixels, more.Where(s => s.Kind == NonDigitKind.Shapes).ElementAt(2).Pixels);
    }

    [Fact]
    public void Without_MNIST_digits_the_pairs_are_left_out()
    {
        Assert.DoesNotContain(NonDigitKind.DigitPairs, new NonDigitGenerator(1, pairDigits: null).Kinds);
        Assert.Equal("digit-pairs", NonDigitKind.DigitPairs.Name());
    }
}

/// <summary>A test that draws letters: skipped, saying which package to install, when no DejaVu font is installed
/// (CI installs fonts-dejavu-core).</summary>
public sealed class FontFactAttribute : FactAttribute
{
    public FontFactAttribute()
    {
        if (!LetterFonts.Available) Skip = $"no DejaVu font is installed, so the non-digit letters cannot be drawn: {LetterFonts.InstallHint}";
    }
}
