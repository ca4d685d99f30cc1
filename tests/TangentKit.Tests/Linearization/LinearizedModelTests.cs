using TangentKit.Linearization;
using TangentKit.Models;

namespace TangentKit.Tests.Linearization;

public class LinearizedModelTests
{
    static Tensor R(long seed, params long[] shape) =>
        randn(shape, dtype: ScalarType.Float64, generator: new Generator((ulong)seed));

    static Dictionary<string, Tensor> Direction(ParameterSet theta, long seed, double scale) =>
        JvpAssert.RandomLike(theta.Where(theta.TrainableNames.ToHashSet().Contains), seed)
            .ToDictionary(kv => kv.Key, kv => kv.Value * scale);

    [Fact]
    public void At_zero_displacement_f_lin_equals_f()
    {
        var model = new ResNet([1, 1], [4, 8]);
        using var theta0 = model.Initialize(1, ScalarType.Float64);
        var x = R(2, 3, 3, 16, 16);
        var lin = model.Linearize(theta0);
        using var zero = theta0.ZerosLikeTrainable();
        Assert.Equal(0.0, (lin.Forward(x, zero) - model.Forward(theta0, x)).abs().max().item<double>());
        Assert.Equal(0.0, (lin.Forward(x) - model.Forward(theta0, x)).abs().max().item<double>());
    }

    [Fact]
    public void For_a_model_affine_in_its_parameters_f_lin_equals_f_for_any_displacement()
    {
        var model = new Mlp([6, 4]);   // one linear layer: f(x; W, b) = x Wᵀ + b is affine in (W, b)
        using var theta0 = model.Initialize(1, ScalarType.Float64);
        var delta = Direction(theta0, 2, scale: 3.0);
        var x = R(3, 5, 6);
        using var moved = theta0.Map((n, t) => t + delta[n]);
        var err = (model.Linearize(theta0).Forward(x, delta) - model.Forward(moved, x)).abs().max().item<double>();
        Assert.True(err < 1e-12, $"max |f_lin − f| = {err:E2}");
    }

    [Fact]
    public void For_a_non_linear_model_the_taylor_remainder_is_second_order()
    {
        var model = new Mlp([6, 8, 3]);
        using var theta0 = model.Initialize(1, ScalarType.Float64);
        var x = R(3, 5, 6);
        var lin = model.Linearize(theta0);
        double Remainder(double eps)
        {
            var delta = Direction(theta0, 2, eps);
            using var moved = theta0.Map((n, t) => t + delta[n]);
            return (lin.Forward(x, delta) - model.Forward(moved, x)).abs().max().item<double>();
        }
        double ratio = Remainder(1e-2) / Remainder(5e-3);
        Assert.InRange(ratio, 3.8, 4.2);   // O(ε²): halving ε divides the remainder by 4
    }

    [Fact]
    public void The_gradient_of_a_loss_with_respect_to_delta_matches_finite_differences()
    {
        var model = new TextTransformer(VocabSize: 9, ContextLength: 5, Width: 8, Layers: 1, Heads: 2, OutputDim: 4);
        var ids = tensor(new long[] { 1, 4, 8, 2, 0, 3, 7, 5, 6, 1 }).view(2, 5);
        GradientMatchesFiniteDifferences(model, ids, tensor(new long[] { 2, 0 }));
    }

    [Fact]
    public void Through_convolutions_and_frozen_batch_norm_the_gradient_in_delta_matches_finite_differences()
    {
        var model = new ResNet([1, 1], [4, 8]);
        GradientMatchesFiniteDifferences(model, R(4, 3, 3, 12, 12), tensor(new long[] { 1, 7, 3 }),
            recalibrate: true);
    }

    // ⟨∇_δ L(f_lin(x; θ0 + δ)), w⟩ by back-propagation vs central differences of L along w.
    static void GradientMatchesFiniteDifferences(IFunctionalModel model, Tensor x, Tensor labels,
        bool recalibrate = false)
    {
        using var initial = model.Initialize(1, ScalarType.Float64);
        // batch-norm statistics of real activations, so that x̂ is not just x
        using var theta0 = recalibrate ? ((ResNet)model).RecalibrateBatchNorm(initial, R(9, 6, 3, 12, 12))
            : initial.Clone();
        var lin = model.Linearize(theta0);
        var delta = Direction(theta0, 2, 0.1);
        var w = Direction(theta0, 3, 1.0);
        double Loss(Dictionary<string, Tensor> d) =>
            nn.functional.cross_entropy(lin.Forward(x, d), labels).item<double>();

        var leaves = delta.ToDictionary(kv => kv.Key, kv => kv.Value.clone().requires_grad_(true));
        nn.functional.cross_entropy(lin.Forward(x, leaves), labels).backward();
        double analytic = leaves.Sum(kv => (kv.Value.grad! * w[kv.Key]).sum().item<double>());

        const double eps = 1e-6;
        double numeric = (Loss(delta.ToDictionary(kv => kv.Key, kv => kv.Value + eps * w[kv.Key]))
                        - Loss(delta.ToDictionary(kv => kv.Key, kv => kv.Value - eps * w[kv.Key]))) / (2 * eps);
        Assert.True(Math.Abs(numeric) > 1e-3, $"⟨∇L, w⟩ ≈ {numeric}: too small for the comparison to mean anything");
        Assert.True(Math.Abs(analytic - numeric) <= 1e-7 * Math.Abs(numeric),
            $"⟨∇L, w⟩ = {analytic}, finite differences {numeric}");
    }

    [Fact]
    public void A_displacement_with_an_unknown_name_or_shape_is_rejected_with_the_name()
    {
        var model = new Mlp([3, 2]);
        using var theta0 = model.Initialize(1);
        var lin = model.Linearize(theta0);
        var e1 = Assert.Throws<ArgumentException>(() =>
            lin.Forward(randn(1, 3), new Dictionary<string, Tensor> { ["fc9.weight"] = zeros(2, 3) }));
        Assert.Contains("fc9.weight", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() =>
            lin.Forward(randn(1, 3), new Dictionary<string, Tensor> { ["fc0.weight"] = zeros(3, 2) }));
        Assert.Contains("fc0.weight", e2.Message);
    }
}
