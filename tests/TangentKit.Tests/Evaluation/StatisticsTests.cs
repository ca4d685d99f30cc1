using TangentKit.Evaluation;
using TangentKit.Experiments;

namespace TangentKit.Tests.Evaluation;

/// Bootstrap intervals against the normal approximation and hand-computed cases; verdicts on hand-made intervals;
/// the gate of the claims on hand-made single-task results.
public class StatisticsTests
{
    static Measured Replicates(double value, params double[] replicates) =>
        new(value, replicates.Select(r => (float)r).ToArray());

    static Measured Spread(double value, double low, double high) =>                 // replicates evenly low..high
        new(value, Enumerable.Range(0, 1001).Select(i => (float)(low + (high - low) * i / 1000)).ToArray());

    [Fact]
    public void The_percentile_interval_interpolates_between_sorted_replicates()
    {
        // 101 replicates 0, 0.01, …, 1 in scrambled order: the 2.5th percentile is at position 2.5 → 0.025.
        var values = Enumerable.Range(0, 101).Select(i => (i * 37 % 101) / 100.0).ToArray();
        var m = Replicates(0.5, values);
        Assert.Equal(0.025, m.Low, 6);
        Assert.Equal(0.975, m.High, 6);
    }

    [Fact]
    public void A_bootstrap_accuracy_interval_matches_the_normal_approximation()
    {
        // 400 examples, 240 right: p = 0.6, standard error √(p(1−p)/n) = 0.0245, 95 % ≈ ±0.048.
        var hits = Enumerable.Range(0, 400).Select(i => i % 5 < 3).ToArray();
        var m = Bootstrap.Accuracy(hits, "toy/Test");
        double se = Math.Sqrt(0.6 * 0.4 / 400);
        Assert.Equal(0.6, m.Value, 12);
        Assert.InRange(m.Low, 0.6 - 1.96 * se - 0.006, 0.6 - 1.96 * se + 0.006);     // ± Monte Carlo error
        Assert.InRange(m.High, 0.6 + 1.96 * se - 0.006, 0.6 + 1.96 * se + 0.006);
        Assert.Equal(Bootstrap.DefaultResamples, m.Replicates.Length);
    }

    [Fact]
    public void Statistics_of_the_same_examples_are_paired_and_of_other_examples_are_not()
    {
        var a = Enumerable.Range(0, 300).Select(i => i % 3 != 0).ToArray();             // 2/3 right
        var b = a.Select((h, i) => h || i % 30 == 0).ToArray();                          // the same, 10 more right
        var diff = Bootstrap.Accuracy(b, "task/Test") - Bootstrap.Accuracy(a, "task/Test");
        Assert.Equal(10 / 300.0, diff.Value, 12);
        Assert.True(diff.Low > 0, $"paired difference interval [{diff.Low}, {diff.High}] should exclude 0");
        var unpaired = Bootstrap.Accuracy(b, "other/Test") - Bootstrap.Accuracy(a, "task/Test");
        Assert.True(unpaired.Low < 0, $"unpaired interval [{unpaired.Low}, {unpaired.High}] should include 0");
        var same = Bootstrap.Accuracy(a, "task/Test") - Bootstrap.Accuracy(a, "task/Test");
        Assert.All(same.Replicates, r => Assert.Equal(0f, r));
    }

    [Fact]
    public void Means_and_ratios_are_taken_replicate_by_replicate()
    {
        var x = Replicates(0.8, 0.7, 0.9);
        var y = Replicates(0.4, 0.5, 0.3);
        var mean = Measured.Mean([x, y]);
        Assert.Equal(0.6, mean.Value, 12);
        Assert.Equal([0.6f, 0.6f], mean.Replicates);
        var ratio = y / x;
        Assert.Equal(0.5, ratio.Value, 12);
        Assert.Equal(0.5 / 0.7, ratio.Replicates[0], 6);
        Assert.Throws<ArgumentException>(() => x - Replicates(0.1, 0.1));
    }

    [Fact]
    public void Verdicts_follow_the_sign_of_every_interval()
    {
        var above = Spread(0.05, 0.01, 0.09);
        var straddles = Spread(0.02, -0.01, 0.05);
        var below = Spread(-0.05, -0.09, -0.01);
        Assert.Equal(Verdict.Holds, Verdicts.Positive(above));
        Assert.Equal(Verdict.Inconclusive, Verdicts.Positive(straddles));
        Assert.Equal(Verdict.DoesNotHold, Verdicts.Positive(below));
        Assert.Equal(Verdict.Holds, Verdicts.AllPositive([above, above]));
        Assert.Equal(Verdict.Inconclusive, Verdicts.AllPositive([above, straddles]));
        Assert.Equal(Verdict.DoesNotHold, Verdicts.AllPositive([above, straddles, below]));
        Assert.Equal(Verdict.NotDiscriminating, Verdicts.AllPositive([above], discriminating: false));
        Assert.Equal("does not hold", Verdict.DoesNotHold.Text());
    }

    static SingleTaskRow Row(string task, double zeroShot, double standard, double postHoc, double linear)
    {
        Measured M(double v) => Spread(v, v - 0.01, v + 0.01);
        return new SingleTaskRow(task, 10, false, zeroShot, standard, postHoc, linear, M(zeroShot), M(standard),
            M(postHoc), M(linear));
    }

    [Fact]
    public void The_gate_needs_fifteen_points_in_both_modes_and_otherwise_no_claim_is_tested()
    {
        // Gains: standard (0.80 + 0.70)/2 − 0.55 = 0.20; linear (0.72 + 0.66)/2 − 0.55 = 0.14 < 0.15.
        var missed = new SingleTaskResult([Row("a", 0.5, 0.80, 0.75, 0.72), Row("b", 0.6, 0.70, 0.60, 0.66)], []);
        Assert.Equal(0.20, missed.Gain(EditMode.Standard).Value, 12);
        Assert.Equal(0.14, missed.Gain(EditMode.Linear).Value, 12);
        Assert.False(missed.Discriminating);
        Assert.Equal(Verdict.NotDiscriminating, Claims.PostHocBelowNonLinear(missed).Verdict);
        // Linear 0.78 and 0.68: gain 0.18 → the gate is met and the claim is decided by its intervals:
        // standard − post-hoc is 0.05 and 0.10, each ±0.02 → holds.
        var met = new SingleTaskResult([Row("a", 0.5, 0.80, 0.75, 0.78), Row("b", 0.6, 0.70, 0.60, 0.68)], []);
        Assert.True(met.Discriminating);
        var claim = Claims.PostHocBelowNonLinear(met);
        Assert.Equal(Verdict.Holds, claim.Verdict);
        Assert.Equal(0.075, claim.Numbers["mean_standard_minus_posthoc"].Value, 12);
        // One task where post-hoc is above: does not hold.
        var mixed = new SingleTaskResult([Row("a", 0.5, 0.80, 0.75, 0.78), Row("b", 0.6, 0.70, 0.75, 0.68)], []);
        Assert.Equal(Verdict.DoesNotHold, Claims.PostHocBelowNonLinear(mixed).Verdict);
    }
}
