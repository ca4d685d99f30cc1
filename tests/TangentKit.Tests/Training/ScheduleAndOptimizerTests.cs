using TangentKit.Models;
using TangentKit.Training;

namespace TangentKit.Tests.Training;

public class ScheduleAndOptimizerTests
{
    [Fact]
    public void Learning_rate_warms_up_linearly_then_decays_as_a_cosine()
    {
        Assert.Equal(0.25, LearningRateSchedule.At(0, 1.0, 4, 14), 12);
        Assert.Equal(1.0, LearningRateSchedule.At(3, 1.0, 4, 14), 12);
        Assert.Equal(1.0, LearningRateSchedule.At(4, 1.0, 4, 14), 12);                 // cos(0)
        Assert.Equal(0.5, LearningRateSchedule.At(9, 1.0, 4, 14), 12);                 // cos(π/2)
        Assert.Equal(0.5 * (1 + Math.Cos(Math.PI * 9 / 10)), LearningRateSchedule.At(13, 1.0, 4, 14), 12);
    }

    [Fact]
    public void AdamW_matches_the_update_rule_computed_by_hand()
    {
        // Scalar reference: θ ← θ − lr·wd·(θ + offset); m, v moments; θ ← θ − lr·m̂/(√v̂ + ε).
        double[] grads = [0.3, -1.2, 0.05];
        double lr = 0.1, wd = 0.1, offset = 2.0, theta = 0.5, m = 0, v = 0;
        using var p = new ParameterSet().Add("w", tensor(new[] { 0.5 }, dtype: ScalarType.Float64));
        using var off = new ParameterSet().Add("w", tensor(new[] { offset }, dtype: ScalarType.Float64));
        using var adam = new AdamW(p);
        for (int t = 1; t <= grads.Length; t++)
        {
            theta -= lr * wd * (theta + offset);
            m = 0.9 * m + 0.1 * grads[t - 1];
            v = 0.999 * v + 0.001 * grads[t - 1] * grads[t - 1];
            theta -= lr * (m / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v / (1 - Math.Pow(0.999, t))) + 1e-8);
            adam.Step(p,
                new Dictionary<string, Tensor> { ["w"] = tensor(new[] { grads[t - 1] }, dtype: ScalarType.Float64) },
                lr, wd, off);
            Assert.Equal(theta, p["w"].item<double>(), 14);
        }
        Assert.Equal(3, adam.StepCount);
    }

    [Fact]
    public void One_flat_buffer_holds_the_entries_in_order_as_views_that_can_be_trained()
    {
        var a = tensor(new[] { 1.0, 2, 3, 4, 5, 6 }, dtype: ScalarType.Float64).view(2, 3);
        var b = tensor(new[] { -1.0, -2 }, dtype: ScalarType.Float64);
        using var flat = new FlatTensors([new("a", a), new("b", b)]);
        Assert.Equal([1.0, 2, 3, 4, 5, 6, -1, -2], flat.Flat.data<double>().ToArray());
        foreach (var view in flat.Views.Values) view.requires_grad_(true);
        // L = Σ a² + 3·Σ b: ∂L/∂a = 2a, ∂L/∂b = 3
        (flat.Views["a"].square().sum() + 3 * flat.Views["b"].sum()).backward();
        Assert.Equal([2.0, 4, 6, 8, 10, 12], flat.Views["a"].grad!.data<double>().ToArray());
        Assert.Equal([3.0, 3], flat.Views["b"].grad!.data<double>().ToArray());
        using (no_grad()) flat.Views["b"].fill_(7);                 // a view writes through to the buffer
        Assert.Equal(7.0, flat.Flat[7].item<double>());
        var error = Assert.Throws<ArgumentException>(() =>
            new FlatTensors([new("a", a), new("c", tensor(new[] { 1f }))]));
        Assert.Contains("'c' is Float32", error.Message);
    }

    [Fact]
    public void Batch_schedule_visits_every_example_once_per_epoch_and_depends_only_on_seed_and_step()
    {
        var a = new TangentKit.Data.BatchSchedule(10, 4, seed: 3);
        var epoch = Enumerable.Range(0, 3).SelectMany(s => a.IndicesForStep(s)).ToArray();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), epoch.OrderBy(i => i));
        Assert.Equal(2, a.IndicesForStep(2).Length);
        var b = new TangentKit.Data.BatchSchedule(10, 4, seed: 3);
        Assert.Equal(a.IndicesForStep(7), b.IndicesForStep(7));
        Assert.NotEqual(a.IndicesForStep(0), a.IndicesForStep(3));             // a new permutation each epoch
    }

    [Fact]
    public void Invalid_options_name_the_option()
    {
        var e = Assert.Throws<ArgumentException>(() => new FineTuneOptions { BatchSize = 0 }.Validate());
        Assert.Contains("BatchSize", e.Message);
    }
}
