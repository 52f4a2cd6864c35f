namespace CapsNetService.Training.Run;

/// <summary>Counts of (true digit, predicted digit) pairs over an evaluation.</summary>
public sealed class ConfusionMatrix
{
    public ConfusionMatrix(int classes = 10) => Counts = new int[classes, classes];

    /// <summary>Counts[actual, predicted].</summary>
    public int[,] Counts { get; }

    public int Classes => Counts.GetLength(0);

    public void Add(int actual, int predicted) => Counts[actual, predicted]++;

    public int Total
    {
        get
        {
            int total = 0;
            foreach (var count in Counts) total += count;
            return total;
        }
    }

    public int Correct => Enumerable.Range(0, Classes).Sum(k => Counts[k, k]);

    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;

    /// <summary>Recall of each class: the share of its images that were recognised; NaN for a class never seen.</summary>
    public double[] PerClassAccuracy() =>
        Enumerable.Range(0, Classes).Select(actual =>
        {
            int row = Enumerable.Range(0, Classes).Sum(predicted => Counts[actual, predicted]);
            return row == 0 ? double.NaN : (double)Counts[actual, actual] / row;
        }).ToArray();

    public int[][] ToJagged() =>
        Enumerable.Range(0, Classes).Select(a => Enumerable.Range(0, Classes).Select(p => Counts[a, p]).ToArray()).ToArray();
}
