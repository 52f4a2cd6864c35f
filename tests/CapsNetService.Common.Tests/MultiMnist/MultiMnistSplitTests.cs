using CapsNetService.Common.Mnist;
using CapsNetService.Common.MultiMnist;
using CapsNetService.Tests;
using Xunit.Abstractions;

namespace CapsNetService.Common.Tests.MultiMnist;

/// <summary>The pairs of the paper's Section 6, drawn from the real MNIST files.</summary>
public sealed class MultiMnistSplitTests(ITestOutputHelper output)
{
    private static MultiMnistSplit Training => MultiMnistSplit.Training(RealMnist.Train);

    [Fact]
    public void TheSplitsAreTheFirst55000TrainingDigitsTheLast5000AndTheTestSet()
    {
        var training = Training;
        var validation = MultiMnistSplit.Validation(RealMnist.Train);
        var test = MultiMnistSplit.Test(RealMnist.Test);

        Assert.Equal((0, 55_000), (training.Start, training.Count));
        Assert.Equal((55_000, 5_000), (validation.Start, validation.Count));
        Assert.Equal((0, 10_000), (test.Start, test.Count));
        Assert.Same(RealMnist.Train, training.Source);
        Assert.Same(RealMnist.Test, test.Source);
    }

    [Fact]
    public void AnEpochMakesEveryTrainingDigitTheFirstOnceAndPairsItWithAnotherClass()
    {
        var split = Training;
        var pairs = split.Pairs(split.Count, seed: 1);
        var labels = RealMnist.Train.Labels;

        var firstTimes = new int[split.Count];
        var classPairs = new bool[10, 10];
        foreach (var pair in pairs)
        {
            firstTimes[pair.First.Index]++;
            byte a = labels[pair.First.Index], b = labels[pair.Second.Index];
            Assert.NotEqual(a, b);
            classPairs[a, b] = true;
        }
        Assert.All(firstTimes, times => Assert.Equal(1, times));
        for (int a = 0; a < 10; a++)
            for (int b = 0; b < 10; b++)
                Assert.Equal(a != b, classPairs[a, b]);
    }

    [Fact]
    public void ShiftsStayWithinFourPixelsAndTakeEveryValueAboutEquallyOften()
    {
        var pairs = Training.Pairs(55_000, seed: 2);

        var counts = new int[2 * MultiMnistCanvas.MaxShift + 1];
        foreach (var pair in pairs)
            foreach (var shift in (ReadOnlySpan<int>)[pair.First.Dx, pair.First.Dy, pair.Second.Dx, pair.Second.Dy])
            {
                Assert.InRange(shift, -4, 4);
                counts[shift + 4]++;
            }
        double expected = pairs.Length * 4 / 9.0;
        Assert.All(counts, count => Assert.InRange(count, 0.95 * expected, 1.05 * expected));
    }

    [Fact]
    public void TheSameSeedDrawsTheSamePairsAndAnotherSeedOthers()
    {
        var split = Training;
        var once = split.Pairs(20_000, seed: 7);
        var again = split.Pairs(20_000, seed: 7);
        var other = split.Pairs(20_000, seed: 8);

        Assert.Equal(once, again);
        int same = 0;
        for (int i = 0; i < once.Length; i++) if (once[i] == other[i]) same++;
        Assert.True(same < 10, $"{same} of {once.Length} pairs repeat under another seed");

        var batch = MultiMnistRenderer.RenderBatch(RealMnist.Train, once.AsSpan(0, 64));
        var batchAgain = MultiMnistRenderer.RenderBatch(RealMnist.Train, again.AsSpan(0, 64));
        Assert.Equal(batch.Images, batchAgain.Images);
        Assert.Equal(batch.FirstDigits, batchAgain.FirstDigits);
        Assert.Equal(batch.SecondLabels, batchAgain.SecondLabels);
    }

    [Fact]
    public void NoValidationOrTestDigitAppearsInTrainingPairs()
    {
        var split = Training;
        var pairs = split.Pairs(split.Count, seed: 3);
        var validation = MultiMnistSplit.Validation(RealMnist.Train);
        var validationPairs = validation.Pairs(validation.Count, seed: 3);
        Assert.All(pairs, pair => Assert.True(pair.First.Index < 55_000 && pair.Second.Index < 55_000));
        Assert.All(validationPairs, pair => Assert.True(pair.First.Index >= 55_000 && pair.Second.Index >= 55_000));

        // By the pixels themselves: cut each digit back out of its rendered canvas and look it up among the
        // validation and test digits.
        var heldOut = new HashSet<string>();
        for (int i = validation.Start; i < validation.Start + validation.Count; i++) heldOut.Add(Convert.ToBase64String(RealMnist.Train.Image(i)));
        for (int i = 0; i < RealMnist.Test.Count; i++) heldOut.Add(Convert.ToBase64String(RealMnist.Test.Image(i)));
        var digit = new byte[28 * 28];
        int seen = 0;
        foreach (var pair in pairs.AsSpan(0, 5_000))
        {
            var sample = MultiMnistRenderer.Render(RealMnist.Train, pair);
            foreach (var (canvas, placement) in new[] { (sample.First, pair.First), (sample.Second, pair.Second) })
            {
                Cut(canvas, placement, digit);
                Assert.Equal(RealMnist.Train.Image(placement.Index).ToArray(), digit);
                Assert.DoesNotContain(Convert.ToBase64String(digit), heldOut);
                seen++;
            }
        }
        Assert.Equal(10_000, seen);
    }

    [Fact]
    public void EachDigitSitsAtFourPlusItsShiftAndTheMergeIsTheClippedSum()
    {
        var pairs = MultiMnistSplit.Test(RealMnist.Test).Pairs(2_000, seed: 4);
        long clipped = 0, summed = 0;
        var digit = new byte[28 * 28];
        foreach (var pair in pairs)
        {
            var sample = MultiMnistRenderer.Render(RealMnist.Test, pair);
            Assert.Equal(RealMnist.Test.Labels[pair.First.Index], sample.FirstLabel);
            Assert.Equal(RealMnist.Test.Labels[pair.Second.Index], sample.SecondLabel);
            Cut(sample.First, pair.First, digit);
            Assert.Equal(RealMnist.Test.Image(pair.First.Index).ToArray(), digit);
            Assert.Equal(InkOf(RealMnist.Test.Image(pair.First.Index)), InkOf(sample.First));   // nothing outside the window
            Cut(sample.Second, pair.Second, digit);
            Assert.Equal(RealMnist.Test.Image(pair.Second.Index).ToArray(), digit);
            Assert.Equal(InkOf(RealMnist.Test.Image(pair.Second.Index)), InkOf(sample.Second));

            for (int i = 0; i < MultiMnistCanvas.Pixels; i++)
            {
                int a = sample.First[i], b = sample.Second[i];
                Assert.Equal(Math.Min(a + b, 255), sample.Merged[i]);
                if (a > 0 && b > 0) { if (a + b > 255) clipped++; else summed++; }
            }
        }
        // Both cases occur on real digits, so the rule is told apart from max(a, b) and from an unclipped sum.
        Assert.True(clipped > 1_000 && summed > 1_000, $"{clipped} clipped, {summed} summed overlapping pixels");
    }

    [Fact]
    public void ABatchIsTheSamplesScaledToUnitRangeWithInt64Labels()
    {
        var pairs = Training.Pairs(5, seed: 5);
        var batch = MultiMnistRenderer.RenderBatch(RealMnist.Train, pairs);

        Assert.Equal(5, batch.Count);
        Assert.Equal(5 * 36 * 36, batch.Images.Length);
        for (int n = 0; n < 5; n++)
        {
            var sample = MultiMnistRenderer.Render(RealMnist.Train, pairs[n]);
            for (int i = 0; i < MultiMnistCanvas.Pixels; i++)
            {
                Assert.Equal(sample.Merged[i] / 255f, batch.Images[n * 1296 + i]);
                Assert.Equal(sample.First[i] / 255f, batch.FirstDigits[n * 1296 + i]);
                Assert.Equal(sample.Second[i] / 255f, batch.SecondDigits[n * 1296 + i]);
            }
            Assert.Equal(sample.FirstLabel, batch.FirstLabels[n]);
            Assert.Equal(sample.SecondLabel, batch.SecondLabels[n]);
        }
    }

    /// <summary>The paper says the two digits' bounding boxes overlap about 80 % on average. Measured here on the ink
    /// boxes of real test digits (intersection over the smaller box), and on the 28×28 frames the digits are shifted in.</summary>
    [Fact]
    public void TheDigitsBoxesOverlapAboutEightyPercentOnAverage()
    {
        var pairs = MultiMnistSplit.Test(RealMnist.Test).Pairs(20_000, seed: 6);
        double inkOverSmaller = 0, inkOverUnion = 0, frames = 0;
        foreach (var pair in pairs)
        {
            var sample = MultiMnistRenderer.Render(RealMnist.Test, pair);
            var a = InkBox(sample.First);
            var b = InkBox(sample.Second);
            long intersection = Intersection(a, b);
            inkOverSmaller += (double)intersection / Math.Min(a.Area, b.Area);
            inkOverUnion += (double)intersection / (a.Area + b.Area - intersection);
            var frameA = new Box(4 + pair.First.Dx, 4 + pair.First.Dy, 32 + pair.First.Dx, 32 + pair.First.Dy);
            var frameB = new Box(4 + pair.Second.Dx, 4 + pair.Second.Dy, 32 + pair.Second.Dx, 32 + pair.Second.Dy);
            frames += Intersection(frameA, frameB) / (28.0 * 28.0);
        }
        inkOverSmaller /= pairs.Length;
        inkOverUnion /= pairs.Length;
        frames /= pairs.Length;
        output.WriteLine($"mean overlap over {pairs.Length} test pairs: ink boxes {inkOverSmaller:P1} of the smaller box " +
                         $"({inkOverUnion:P1} intersection over union); 28×28 frames {frames:P1}");

        Assert.InRange(inkOverSmaller, 0.60, 0.95);
        Assert.InRange(frames, 0.75, 0.85);
    }

    private readonly record struct Box(int Left, int Top, int Right, int Bottom)   // right and bottom exclusive
    {
        public long Area => (long)(Right - Left) * (Bottom - Top);
    }

    private static long Intersection(Box a, Box b) =>
        (long)Math.Max(0, Math.Min(a.Right, b.Right) - Math.Max(a.Left, b.Left)) *
        Math.Max(0, Math.Min(a.Bottom, b.Bottom) - Math.Max(a.Top, b.Top));

    private static Box InkBox(byte[] canvas)
    {
        int left = 36, top = 36, right = 0, bottom = 0;
        for (int y = 0; y < 36; y++)
            for (int x = 0; x < 36; x++)
                if (canvas[y * 36 + x] > 0)
                {
                    left = Math.Min(left, x); right = Math.Max(right, x + 1);
                    top = Math.Min(top, y); bottom = Math.Max(bottom, y + 1);
                }
        Assert.True(right > left, "a digit without ink");
        return new Box(left, top, right, bottom);
    }

    private static long InkOf(ReadOnlySpan<byte> pixels)
    {
        long sum = 0;
        foreach (var p in pixels) sum += p;
        return sum;
    }

    private static void Cut(byte[] canvas, DigitPlacement placement, byte[] digit)
    {
        for (int y = 0; y < 28; y++)
            canvas.AsSpan((4 + placement.Dy + y) * 36 + 4 + placement.Dx, 28).CopyTo(digit.AsSpan(y * 28, 28));
    }
}
