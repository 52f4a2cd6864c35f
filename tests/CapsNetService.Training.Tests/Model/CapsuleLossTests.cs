using CapsNetService.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace CapsNetService.Training.Tests.Model;

public class CapsuleLossTests
{
    [Fact]
    public void Margin_loss_matches_hand_computed_values()
    {
        // Image 0 is a 2: |v_2| = 0.7 misses m+ by 0.2 → 0.04; |v_5| = 0.3 exceeds m- by 0.2 → 0.5·0.04 = 0.02;
        //   the others sit at 0.05 < m- and cost nothing. Total 0.06.
        // Image 1 is a 0: |v_0| = 0.95 ≥ m+ → 0; |v_1| = 0.6 → 0.5·0.25 = 0.125; |v_9| = 0.1 = m- → 0. Total 0.125.
        var lengths = new float[20];
        Array.Fill(lengths, 0.05f);
        lengths[2] = 0.7f; lengths[5] = 0.3f;
        lengths[10] = 0.95f; lengths[11] = 0.6f; lengths[19] = 0.1f;
        for (int k = 12; k < 19; k++) lengths[k] = 0f;
        using var v = tensor(lengths, [2, 10]);
        using var margin = new CapsuleLoss().Margin(v, tensor(new long[] { 2, 0 }));
        var values = margin.data<float>().ToArray();
        Assert.Equal(0.06f, values[0], 1e-6f);
        Assert.Equal(0.125f, values[1], 1e-6f);
    }

    [Fact]
    public void Margin_loss_is_zero_for_a_perfect_answer()
    {
        var lengths = new float[10];
        lengths[4] = 0.9f;
        using var margin = new CapsuleLoss().Margin(tensor(lengths, [1, 10]), tensor(new long[] { 4 }));
        Assert.Equal(0f, margin.item<float>());
    }

    [Fact]
    public void Total_adds_the_weighted_sum_of_squared_pixel_errors_and_averages_over_the_batch()
    {
        var lengths = new float[20];
        lengths[3] = 0.9f; lengths[17] = 0.9f;     // perfect margins
        using var v = tensor(lengths, [2, 10]);
        using var labels = tensor(new long[] { 3, 7 });
        using var images = zeros(2, 1, 28, 28);
        using var reconstruction = zeros(2, 1, 28, 28);
        reconstruction[0].fill_(0.5f);              // 784 · 0.25 = 196 squared error on image 0, 0 on image 1
        using var total = new CapsuleLoss().Total(v, labels, reconstruction, images);
        Assert.Equal(0.0005f * 196f / 2f, total.item<float>(), 1e-6f);
    }

    [Fact]
    public void The_two_digit_margin_counts_both_labels_as_present()
    {
        // A 3 and a 7: |v_3| = 0.7 misses m+ by 0.2 → 0.04; |v_7| = 0.95 ≥ m+ → 0; |v_1| = 0.3 exceeds m- by 0.2 →
        // 0.5·0.04 = 0.02; the others sit at 0.05 < m-. Total 0.06. With only the 3 present, v_7 would cost 0.5·0.85² instead.
        var lengths = new float[10];
        Array.Fill(lengths, 0.05f);
        lengths[3] = 0.7f; lengths[7] = 0.95f; lengths[1] = 0.3f;
        using var v = tensor(lengths, [1, 10]);
        var loss = new CapsuleLoss();
        using var both = loss.Margin(v, tensor(new long[] { 3 }), tensor(new long[] { 7 }));
        using var swapped = loss.Margin(v, tensor(new long[] { 7 }), tensor(new long[] { 3 }));
        using var single = loss.Margin(v, tensor(new long[] { 3 }));
        Assert.Equal(0.06f, both.item<float>(), 1e-6f);
        Assert.Equal(0.06f, swapped.item<float>(), 1e-6f);
        Assert.Equal(0.06f + 0.5f * 0.85f * 0.85f, single.item<float>(), 1e-5f);
    }

    [Fact]
    public void The_two_digit_total_adds_each_digits_own_reconstruction_error()
    {
        var lengths = new float[10];
        lengths[2] = 0.9f; lengths[5] = 0.9f;      // a perfect two-digit margin
        using var v = tensor(lengths, [1, 10]);
        using var firstTarget = zeros(1, 1, 36, 36);
        using var secondTarget = zeros(1, 1, 36, 36);
        using var firstImage = zeros(1, 1, 36, 36);
        using var secondImage = zeros(1, 1, 36, 36);
        firstImage[0, 0, 0, 0] = tensor(0.5f);        // 0.25
        secondImage[0, 0, 10, 10] = tensor(1f);      // 1
        secondTarget[0, 0, 20, 20] = tensor(0.5f);   // 0.25
        using var total = new CapsuleLoss().TotalTwoDigits(v, tensor(new long[] { 2 }), tensor(new long[] { 5 }),
                                                           firstImage, firstTarget, secondImage, secondTarget);
        Assert.Equal(0.0005f * 1.5f, total.item<float>(), 1e-8f);
    }
}
