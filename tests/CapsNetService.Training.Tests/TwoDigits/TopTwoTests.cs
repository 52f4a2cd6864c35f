using CapsNetService.Training.TwoDigits;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.TwoDigits;

public sealed class TopTwoTests
{
    [Fact]
    public void Both_labels_must_be_the_two_highest_scores_in_either_order()
    {
        var scores = new float[40];
        // Image 0: a 1 and a 4, top two 4 then 1 → both. Image 1: a 1 and a 4, top two 1 then 9 → one.
        // Image 2: a 0 and a 2, top two 5 and 6 → none. Image 3: a 7 and an 8, top two 8 then 7 → both.
        scores[4] = 0.9f; scores[1] = 0.8f; scores[9] = 0.7f;
        scores[10 + 1] = 0.9f; scores[10 + 9] = 0.8f; scores[10 + 4] = 0.7f;
        scores[20 + 5] = 0.9f; scores[20 + 6] = 0.8f; scores[20 + 0] = 0.1f; scores[20 + 2] = 0.1f;
        scores[30 + 8] = 0.6f; scores[30 + 7] = 0.5f;
        using var s = tensor(scores, [4, 10]);
        var (predicted, hits) = TopTwo.Score(s, tensor(new long[] { 1, 1, 0, 7 }), tensor(new long[] { 4, 4, 2, 8 }));
        Assert.Equal(new long[] { 2, 1, 0, 2 }, hits.data<long>().ToArray());
        Assert.Equal(new long[] { 4, 1, 1, 9, 5, 6, 8, 7 }, predicted.data<long>().ToArray());
    }
}
