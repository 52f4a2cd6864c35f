using CapsNetService.Common.Mnist;

namespace CapsNetService.Common.MultiMnist;

/// <summary>
/// The digits [<see cref="Start"/>, <see cref="Start"/> + <see cref="Count"/>) of one MNIST set that pairs are drawn
/// from. Both digits of a pair come from the same split, so training pairs never show a validation or test digit.
/// </summary>
public sealed class MultiMnistSplit
{
    /// <summary>The training digits held out for validation pairs: the last 5,000, leaving the first 55,000 of
    /// MNIST's 60,000 for training pairs.</summary>
    public const int DefaultHeldOut = 5_000;

    /// <summary>MNIST's training digits less the held-out ones: one training pair per digit is one epoch.</summary>
    public const int DefaultTrainingDigits = 60_000 - DefaultHeldOut;

    private readonly int[] byClass;         // the split's indices, grouped by label
    private readonly int[] classStart = new int[11];

    public MultiMnistSplit(MnistSet source, int start, int count)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Rows != MultiMnistCanvas.DigitSide || source.Columns != MultiMnistCanvas.DigitSide)
            throw new ArgumentException($"MultiMNIST needs {MultiMnistCanvas.DigitSide}×{MultiMnistCanvas.DigitSide} digits, not {source.Rows}×{source.Columns}", nameof(source));
        if (start < 0 || count < 1 || start + count > source.Count)
            throw new ArgumentOutOfRangeException(nameof(count), $"digits {start}..{start + count} are not a range of a set of {source.Count}");
        Source = source;
        Start = start;
        Count = count;

        var labels = source.Labels.AsSpan(start, count);
        foreach (var label in labels) classStart[label + 1]++;
        for (int c = 0; c < 10; c++) classStart[c + 1] += classStart[c];
        byClass = new int[count];
        var next = classStart[..10];
        for (int i = 0; i < count; i++) byClass[next[labels[i]]++] = start + i;
        for (int c = 0; c < 10; c++)
            if (classStart[c + 1] - classStart[c] == count)
                throw new ArgumentException($"digits {start}..{start + count} are all {c}s: no pair of two classes can be made", nameof(source));
    }

    /// <summary>The training pairs' digits: all but the last <paramref name="heldOut"/> of the training set.</summary>
    public static MultiMnistSplit Training(MnistSet train, int heldOut = DefaultHeldOut)
    {
        RequireHeldOut(train, heldOut);
        return new MultiMnistSplit(train, 0, train.Count - heldOut);
    }

    /// <summary>The validation pairs' digits: the last <paramref name="heldOut"/> of the training set.</summary>
    public static MultiMnistSplit Validation(MnistSet train, int heldOut = DefaultHeldOut)
    {
        RequireHeldOut(train, heldOut);
        return new MultiMnistSplit(train, train.Count - heldOut, heldOut);
    }

    /// <summary>The test pairs' digits: the whole MNIST test set.</summary>
    public static MultiMnistSplit Test(MnistSet test) => new(test, 0, test.Count);

    public MnistSet Source { get; }
    public int Start { get; }
    public int Count { get; }

    public bool Contains(int index) => index >= Start && index < Start + Count;

    /// <summary>
    /// <paramref name="count"/> pairs drawn from <paramref name="seed"/> alone. As in the paper's data code, every digit
    /// of the split in turn is the first digit (in a fresh random order each time all have had a turn, so each is first
    /// equally often), its partner is drawn uniformly from the split's digits of the other nine classes, and both get
    /// their own uniform shift. One epoch of training pairs is <c>Pairs(Count, epochSeed)</c>.
    /// </summary>
    public MultiMnistPair[] Pairs(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new Random(seed);
        var order = new int[Count];
        for (int i = 0; i < order.Length; i++) order[i] = Start + i;
        var labels = Source.Labels;
        var pairs = new MultiMnistPair[count];
        for (int k = 0; k < count; k++)
        {
            int turn = k % Count;
            if (turn == 0) random.Shuffle(order);
            int first = order[turn];
            int label = labels[first];
            int sameClass = classStart[label + 1] - classStart[label];
            int other = random.Next(Count - sameClass);        // an index into byClass with the first digit's class cut out
            int second = byClass[other < classStart[label] ? other : other + sameClass];
            pairs[k] = new MultiMnistPair(new DigitPlacement(first, Shift(random), Shift(random)),
                                          new DigitPlacement(second, Shift(random), Shift(random)));
        }
        return pairs;
    }

    private static int Shift(Random random) => random.Next(-MultiMnistCanvas.MaxShift, MultiMnistCanvas.MaxShift + 1);

    private static void RequireHeldOut(MnistSet train, int heldOut)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (heldOut < 1 || heldOut >= train.Count)
            throw new ArgumentOutOfRangeException(nameof(heldOut), heldOut, $"must leave digits on both sides of a set of {train.Count}");
    }
}
