using TangentKit.Data;
using TangentKit.Evaluation;
using TangentKit.Linearization;
using TangentKit.Models;
using TangentKit.TaskVectors;

namespace TangentKit.Tests.Evaluation;

public class EvaluationTests
{
    [Fact]
    public void The_paper_grid_is_0_to_1_in_steps_of_0_05()
    {
        Assert.Equal(21, AlphaSearch.PaperGrid.Count);
        for (int i = 0; i <= 20; i++) Assert.Equal(i * 0.05, AlphaSearch.PaperGrid[i], 15);
    }

    [Fact]
    public void Addition_picks_the_best_alpha_and_ties_keep_the_smaller()
    {
        var scores = new Dictionary<double, double> { [0] = 0.2, [0.5] = 0.9, [1] = 0.9 };
        var choice = AlphaSearch.ForAddition([0, 0.5, 1], a => scores[a]);
        Assert.Equal(0.5, choice.Alpha);
        Assert.Equal(3, choice.Curve.Count);
    }

    [Fact]
    public void Negation_minimises_target_accuracy_subject_to_the_control_floor()
    {
        // α:      0     0.25   0.5   0.75  1
        // target  .9    .6     .3    .3    .1
        // control .8    .79    .77   .76   .70   floor = 0.95 × 0.8 = 0.76
        double[] target = [.9, .6, .3, .3, .1], control = [.8, .79, .77, .76, .70];
        var grid = new[] { 0, 0.25, 0.5, 0.75, 1 };
        var choice = AlphaSearch.ForNegation(grid,
            a => (target[Array.IndexOf(grid, a)], control[Array.IndexOf(grid, a)]), 0.95 * 0.8);
        Assert.Equal(0.5, choice.Alpha);                    // 1.0 breaks the floor; 0.5 and 0.75 tie → smaller
        var none = AlphaSearch.ForNegation(grid, _ => (0.5, 0.1), 0.76);
        Assert.Equal(0, none.Alpha);
    }

    [Fact]
    public void Top1_counts_arg_max_hits()
    {
        var logits = tensor(new float[] { 1, 2, 0, 5, 3, 1, 0, 0, 9 }).view(3, 3);
        Assert.Equal(2.0 / 3, Accuracy.Top1(logits, tensor(new long[] { 1, 0, 0 })), 12);
    }

    [Fact]
    public void The_affine_shortcut_equals_direct_evaluation_of_the_linearized_model()
    {
        using var edits = new RandomEdits();
        var (model, theta0, tau1, tau2) = (edits.Model, edits.Theta0, edits.Tau1, edits.Tau2);
        using var data = new LabeledData(randn(10, 3, 16, 16, dtype: ScalarType.Float64),
            tensor(new long[] { 0, 1, 2, 0, 1, 2, 0, 1, 2, 0 }));
        using var head = new FrozenHead(randn(3, 8, dtype: ScalarType.Float64));
        var lin = model.Linearize(theta0);
        using var cache = AffineFeatureCache.Build(lin, data, [tau1, tau2], batchSize: 4);

        foreach (var alphas in new[] { new[] { 0.0, 0.0 }, [0.3, -0.7], [1.5, 2.0] })
        {
            using var combined = alphas[0] * tau1 + alphas[1] * tau2;
            var direct = lin.WithDelta(combined.Entries).Encoder()(data.Inputs);
            var err = (cache.Features(alphas) - direct).abs().max().item<double>();
            Assert.True(err < 1e-12, $"α = ({alphas[0]}, {alphas[1]}): max difference {err:E2}");
            Assert.Equal(Accuracy.Top1(lin.WithDelta(combined.Entries).Encoder(), head, data),
                cache.Accuracy(head, alphas));
        }
    }

    [Fact]
    public void Standard_edits_of_two_tasks_evaluated_together_equal_the_network_run_at_the_edited_weights()
    {
        using var edits = new RandomEdits();
        var (model, theta0, tau1, tau2) = (edits.Model, edits.Theta0, edits.Tau1, edits.Tau2);
        LabeledData Split(int n) => new(randn(n, 3, 16, 16, dtype: ScalarType.Float64), randint(3, [n]));
        using var a = new ImageTask("a", ["0", "1", "2"], Split(3), Split(3), Split(3), Split(7));
        using var b = new ImageTask("b", ["0", "1", "2"], Split(3), Split(3), Split(3), Split(5));
        var heads = new Dictionary<string, FrozenHead>
        {
            ["a"] = new(randn(3, 8, dtype: ScalarType.Float64)), ["b"] = new(randn(3, 8, dtype: ScalarType.Float64)),
        };
        using var evaluator = new EditedEvaluator(model.Linearize(theta0), heads, EditMode.Standard, [tau1, tau2]);

        double[] alphas = [0.4, -1.1];
        var together = evaluator.LogitsOfEach([a, b], SplitKind.Test, alphas, limit: 4);
        // θ = θ0 + 0.4 τ1 − 1.1 τ2 written out entry by entry, then one plain forward pass per task
        using var edited = theta0.Map((name, t) => t.is_floating_point()
            ? t + 0.4 * tau1.Entries[name] - 1.1 * tau2.Entries[name] : t.clone());
        using (no_grad())
            foreach (var (task, logits) in new[] { (a, together[0]), (b, together[1]) })
            {
                var direct = heads[task.Name].Logits(model.Forward(edited, task.Test.Inputs.narrow(0, 0, 4)));
                Assert.Equal([4L, 3L], logits.shape);
                Assert.True((logits - direct).abs().max().item<double>() < 1e-12, $"task {task.Name}");
            }
        // 4 + 4 examples at one edited θ, then 7 + 5 at θ0
        evaluator.LogitsOfEach([a, b], SplitKind.Test, [0.0, 0.0]);
        Assert.Equal(new EvaluationThroughput(EditMode.Standard, 20, evaluator.Throughput.Seconds, 2),
            evaluator.Throughput);
        foreach (var h in heads.Values) h.Dispose();
    }

    // A small float64 ResNet's θ0 and two random task vectors around it.
    sealed class RandomEdits : IDisposable
    {
        public ResNet Model { get; } = new([1, 1], [4, 8]);
        public ParameterSet Theta0 { get; }
        public TaskVector Tau1 { get; }
        public TaskVector Tau2 { get; }

        public RandomEdits()
        {
            Theta0 = Model.Initialize(1, ScalarType.Float64);
            (Tau1, Tau2) = (Random(), Random());
        }

        TaskVector Random() => TaskVector.Between(Theta0,
            Theta0.Map((_, t) => t.is_floating_point() ? t + 0.05 * randn_like(t) : t.clone()));

        public void Dispose()
        {
            Tau1.Dispose();
            Tau2.Dispose();
            Theta0.Dispose();
        }
    }
}
