using CapsNetService.Common.Imaging;
using CapsNetService.Common.Mnist;
using SkiaSharp;

namespace CapsNetService.Common.Rejection;

/// <summary>
/// Draws pictures that are not one digit (<see cref="NonDigitKind"/>), deterministically from a seed: each is painted
/// white on black on a <see cref="CanvasSide"/>-pixel canvas, encoded as a PNG and sent through the service's own
/// <see cref="DigitImagePreprocessor"/>, so that calibration sees exactly what the service would see for that upload.
/// Sample <c>i</c> of a kind draws from its own <see cref="Random"/>, seeded from (seed, kind, i): a set does not
/// change when another kind's count does.
/// </summary>
public sealed class NonDigitGenerator
{
    public const int CanvasSide = 112;

    /// <summary>Letters that no reader would take for a digit (no O, I, l, S, Z, B, G, q, g, b, …).</summary>
    public const string Letters = "AEFHKMNPRWXYaehkmnrwx";

    private readonly int _seed;
    private readonly MnistSet? _pairDigits;
    private readonly DigitImagePreprocessor _preprocessor;

    /// <param name="seed">Separate seeds give separate sets (calibration and evaluation).</param>
    /// <param name="pairDigits">The MNIST images <see cref="NonDigitKind.DigitPairs"/> are made from; without them that
    /// kind is left out.</param>
    public NonDigitGenerator(int seed, MnistSet? pairDigits, DigitImagePreprocessor? preprocessor = null)
    {
        _seed = seed;
        _pairDigits = pairDigits;
        _preprocessor = preprocessor ?? new DigitImagePreprocessor();
    }

    /// <summary>The kinds this generator draws.</summary>
    public IReadOnlyList<NonDigitKind> Kinds => Enum.GetValues<NonDigitKind>()
        .Where(k => k != NonDigitKind.DigitPairs || _pairDigits is not null).ToArray();

    /// <summary><paramref name="perKind"/> samples of each of <see cref="Kinds"/>, kind by kind.</summary>
    /// <exception cref="FontsMissingException">No DejaVu font is installed.</exception>
    public IReadOnlyList<NonDigitSample> Generate(int perKind)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(perKind);
        var samples = new List<NonDigitSample>(perKind * Kinds.Count);
        foreach (var kind in Kinds)
            for (int i = 0; i < perKind; i++)
                samples.Add(Sample(kind, i));
        return samples;
    }

    /// <summary>Sample <paramref name="index"/> of <paramref name="kind"/>, as the model input and as the PNG it came from.</summary>
    public NonDigitSample Sample(NonDigitKind kind, int index)
    {
        // A drawing the preprocessor finds blank (all ink under its noise floor) is drawn again with the next draw.
        var random = new Random(unchecked(_seed * 1_000_003 + (int)kind * 10_007 + index));
        for (int attempt = 0; ; attempt++)
        {
            var png = Draw(kind, random);
            try
            {
                return new NonDigitSample(kind, _preprocessor.Process(png).Pixels, png);
            }
            catch (ImageRejectedException) when (attempt < 10)
            {
            }
        }
    }

    private byte[] Draw(NonDigitKind kind, Random random)
    {
        int width = kind == NonDigitKind.DigitPairs ? 2 * CanvasSide : CanvasSide;
        using var bitmap = new SKBitmap(new SKImageInfo(width, CanvasSide, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Black);
            switch (kind)
            {
                case NonDigitKind.Letters: DrawLetter(canvas, random); break;
                case NonDigitKind.Shapes: DrawShapes(canvas, random); break;
                case NonDigitKind.Scribbles: DrawScribble(canvas, random); break;
                case NonDigitKind.Noise: DrawNoise(bitmap, canvas, random); break;
                case NonDigitKind.DigitPairs: DrawDigitPair(canvas, random); break;
            }
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static SKPaint Ink(float strokeWidth = 0, bool fill = true) => new()
    {
        Color = SKColors.White, IsAntialias = true, StrokeWidth = strokeWidth,
        StrokeCap = SKStrokeCap.Round, StrokeJoin = SKStrokeJoin.Round,
        Style = fill ? (strokeWidth > 0 ? SKPaintStyle.StrokeAndFill : SKPaintStyle.Fill) : SKPaintStyle.Stroke,
    };

    private static float Between(Random random, double low, double high) => (float)(low + random.NextDouble() * (high - low));

    /// <summary>Rotates the canvas by up to ±<paramref name="degrees"/> about its centre.</summary>
    private static void Tilt(SKCanvas canvas, Random random, double degrees) =>
        canvas.RotateDegrees(Between(random, -degrees, degrees), CanvasSide / 2f, CanvasSide / 2f);

    private static void DrawLetter(SKCanvas canvas, Random random)
    {
        var typefaces = LetterFonts.Typefaces;
        var letter = Letters[random.Next(Letters.Length)].ToString();
        using var font = new SKFont(typefaces[random.Next(typefaces.Count)], Between(random, 60, 90));
        using var paint = Ink(strokeWidth: Between(random, 0, 5));
        font.MeasureText(letter, out var bounds, paint);
        Tilt(canvas, random, 15);
        canvas.DrawText(letter, CanvasSide / 2f - bounds.MidX, CanvasSide / 2f - bounds.MidY, SKTextAlign.Left, font, paint);
    }

    private static void DrawShapes(SKCanvas canvas, Random random)
    {
        int count = random.Next(3) == 0 ? random.Next(2, 5) : 1;
        float scale = count == 1 ? 1f : 0.5f;
        for (int s = 0; s < count; s++)
        {
            canvas.Save();
            if (count > 1) canvas.Translate(Between(random, -28, 28), Between(random, -28, 28));
            Tilt(canvas, random, 45);
            float c = CanvasSide / 2f, r = Between(random, 22, 42) * scale;
            switch (random.Next(6))
            {
                case 0: // a filled rectangle, wider than a bar
                {
                    using var paint = Ink();
                    canvas.DrawRect(c - r, c - r * Between(random, 0.5, 1), 2 * r, r * Between(random, 1, 2), paint);
                    break;
                }
                case 1: // a filled disc or ellipse (a blot, not a ring)
                {
                    using var paint = Ink();
                    canvas.DrawOval(c, c, r, r * Between(random, 0.6, 1), paint);
                    break;
                }
                case 2: // a triangle, filled or outlined
                {
                    using var paint = random.Next(2) == 0 ? Ink() : Ink(Between(random, 5, 10), fill: false);
                    using var path = Polygon(c, r, 3, 0);
                    canvas.DrawPath(path, paint);
                    break;
                }
                case 3: // a star, filled or outlined
                {
                    using var paint = random.Next(2) == 0 ? Ink() : Ink(Between(random, 4, 8), fill: false);
                    using var path = Star(c, r, random.Next(5, 8));
                    canvas.DrawPath(path, paint);
                    break;
                }
                case 4: // a plus or a cross of two thick bars
                {
                    using var paint = Ink(Between(random, 8, 16), fill: false);
                    canvas.DrawLine(c - r, c, c + r, c, paint);
                    canvas.DrawLine(c, c - r, c, c + r, paint);
                    break;
                }
                default: // a filled polygon of 4–8 corners
                {
                    using var paint = Ink();
                    using var path = Polygon(c, r, random.Next(4, 9), Between(random, 0, 1));
                    canvas.DrawPath(path, paint);
                    break;
                }
            }
            canvas.Restore();
        }
    }

    private static SKPath Polygon(float centre, float radius, int corners, float phase)
    {
        var path = new SKPath();
        for (int i = 0; i < corners; i++)
        {
            double angle = 2 * Math.PI * (i + phase) / corners - Math.PI / 2;
            var point = new SKPoint(centre + radius * (float)Math.Cos(angle), centre + radius * (float)Math.Sin(angle));
            if (i == 0) path.MoveTo(point); else path.LineTo(point);
        }
        path.Close();
        return path;
    }

    private static SKPath Star(float centre, float radius, int points)
    {
        var path = new SKPath();
        for (int i = 0; i < 2 * points; i++)
        {
            double angle = Math.PI * i / points - Math.PI / 2;
            float r = i % 2 == 0 ? radius : radius * 0.45f;
            var point = new SKPoint(centre + r * (float)Math.Cos(angle), centre + r * (float)Math.Sin(angle));
            if (i == 0) path.MoveTo(point); else path.LineTo(point);
        }
        path.Close();
        return path;
    }

    private static void DrawScribble(SKCanvas canvas, Random random)
    {
        using var paint = Ink(Between(random, 4, 12), fill: false);
        SKPoint Point() => new(Between(random, 10, CanvasSide - 10), Between(random, 10, CanvasSide - 10));
        if (random.Next(2) == 0)
        {
            // Several straight strokes at random (one alone would be a one).
            int strokes = random.Next(3, 7);
            for (int i = 0; i < strokes; i++) canvas.DrawLine(Point(), Point(), paint);
            return;
        }
        using var path = new SKPath();
        path.MoveTo(Point());
        int segments = random.Next(4, 10);
        for (int i = 0; i < segments; i++) path.CubicTo(Point(), Point(), Point());
        canvas.DrawPath(path, paint);
    }

    private static void DrawNoise(SKBitmap bitmap, SKCanvas canvas, Random random)
    {
        switch (random.Next(5))
        {
            case 0: // speckle: each pixel random, some blurred into blotches
            case 1:
            {
                var pixels = new byte[CanvasSide * CanvasSide * 4];
                double density = Between(random, 0.05, 0.6);
                for (int i = 0; i < pixels.Length; i += 4)
                {
                    byte v = random.NextDouble() < density ? (byte)random.Next(128, 256) : (byte)0;
                    pixels[i] = pixels[i + 1] = pixels[i + 2] = v;
                    pixels[i + 3] = 255;
                }
                using var noise = new SKBitmap(bitmap.Info);
                System.Runtime.InteropServices.Marshal.Copy(pixels, 0, noise.GetPixels(), pixels.Length);
                using var paint = new SKPaint();
                if (random.Next(2) == 0) paint.ImageFilter = SKImageFilter.CreateBlur(Between(random, 1, 4), Between(random, 1, 4));
                canvas.DrawBitmap(noise, 0, 0, paint);
                break;
            }
            case 2: // stripes
            {
                using var paint = Ink(Between(random, 3, 8), fill: false);
                float gap = Between(random, 10, 20);
                Tilt(canvas, random, 90);
                for (float x = -CanvasSide; x < 2 * CanvasSide; x += gap)
                    canvas.DrawLine(x, -CanvasSide, x, 2 * CanvasSide, paint);
                break;
            }
            case 3: // checks
            {
                using var paint = Ink();
                float cell = Between(random, 8, 22);
                Tilt(canvas, random, 45);
                for (int y = -8; y < 16; y++)
                for (int x = -8; x < 16; x++)
                    if ((x + y) % 2 == 0) canvas.DrawRect(x * cell, y * cell, cell, cell, paint);
                break;
            }
            default: // a grid of dots
            {
                using var paint = Ink();
                float step = Between(random, 10, 24), radius = Between(random, 2, step / 3);
                for (float y = step / 2; y < CanvasSide; y += step)
                for (float x = step / 2; x < CanvasSide; x += step)
                    canvas.DrawCircle(x, y, radius, paint);
                break;
            }
        }
    }

    private void DrawDigitPair(SKCanvas canvas, Random random)
    {
        var set = _pairDigits!;
        int first = random.Next(set.Count), second;
        do second = random.Next(set.Count); while (set.Labels[second] == set.Labels[first]);
        float gap = Between(random, -8, 12), offset = Between(random, -10, 10);
        DrawMnist(canvas, set, first, 0, 0);
        DrawMnist(canvas, set, second, CanvasSide - 16 + gap, offset);
    }

    /// <summary>An MNIST digit scaled ×4 onto the canvas (its 28 pixels become the canvas's 112).</summary>
    private static void DrawMnist(SKCanvas canvas, MnistSet set, int index, float x, float y)
    {
        using var digit = new SKBitmap(new SKImageInfo(set.Columns, set.Rows, SKColorType.Gray8, SKAlphaType.Opaque));
        System.Runtime.InteropServices.Marshal.Copy(set.Image(index).ToArray(), 0, digit.GetPixels(), set.ImageSize);
        using var image = SKImage.FromBitmap(digit);
        using var paint = new SKPaint { BlendMode = SKBlendMode.Lighten };
        canvas.DrawImage(image, new SKRect(x, y, x + CanvasSide, y + CanvasSide),
                         new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None), paint);
    }
}

/// <summary>One generated non-digit: its kind, the model input the preprocessor made of it, and the PNG drawn.</summary>
public sealed record NonDigitSample(NonDigitKind Kind, float[] Pixels, byte[] Png);
