using TangentKit.Autodiff;
using static TangentKit.Autodiff.DualOps;

namespace TangentKit.Tests.Autodiff;

/// Every dual-number op: J·v equals float64 central differences (≤ 1e-7) and double backward (≤ 1e-10).
public class DualOpsTests
{
    static Tensor R(long seed, params long[] shape) =>
        randn(shape, dtype: ScalarType.Float64, generator: new Generator((ulong)seed));

    static void Check(Func<ParameterLookup, Dual> f, params (string Name, Tensor Value)[] inputs)
    {
        var at = inputs.ToDictionary(i => i.Name, i => i.Value);
        JvpAssert.MatchesOracles(f, at, JvpAssert.RandomLike(at, seed: 99));
    }

    [Fact]
    public void Linear() =>
        Check(p => DualOps.Linear(p("x"), p("w"), p("b")), ("x", R(1, 4, 5)), ("w", R(2, 3, 5)), ("b", R(3, 3)));

    [Fact] public void Linear_with_bias_tangent_only() =>
        JvpAssert.MatchesOracles(p => DualOps.Linear(p("x"), p("w"), p("b")),
            new Dictionary<string, Tensor> { ["x"] = R(1, 4, 5), ["w"] = R(2, 3, 5), ["b"] = R(3, 3) },
            new Dictionary<string, Tensor> { ["b"] = R(4, 3) });

    [Fact]
    public void MatMul_batched() =>
        Check(p => DualOps.MatMul(p("a"), p("b")), ("a", R(1, 2, 3, 4)), ("b", R(2, 2, 4, 5)));

    [Fact]
    public void Conv2d_with_stride_padding_dilation_and_groups() =>
        Check(p => DualOps.Conv2d(p("x"), p("w"), p("b"), stride: 2, padding: 1, dilation: 1, groups: 2),
            ("x", R(1, 2, 4, 7, 7)), ("w", R(2, 6, 2, 3, 3)), ("b", R(3, 6)));

    [Fact]
    public void Conv2d_dilated_without_bias() =>
        Check(p => DualOps.Conv2d(p("x"), p("w"), stride: 1, padding: 2, dilation: 2),
            ("x", R(1, 1, 3, 6, 6)), ("w", R(2, 4, 3, 3, 3)));

    [Fact]
    public void BatchNorm_eval_mode_including_running_statistics() =>
        Check(p => DualOps.BatchNorm(p("x"), p("mean"), p("var"), p("w"), p("b")),
            ("x", R(1, 3, 4, 5, 5)), ("mean", R(2, 4)), ("var", R(3, 4).abs() + 0.5), ("w", R(4, 4)), ("b", R(5, 4)));

    [Fact]
    public void BatchNorm_with_frozen_statistics_as_in_a_linearized_resnet()
    {
        var (mean, variance) = (R(2, 4), R(3, 4).abs() + 0.5);     // constants: no tangent, no gradient
        Check(p => DualOps.BatchNorm(p("x"), mean, variance, p("w"), p("b")),
            ("x", R(1, 3, 4, 5, 5)), ("w", R(4, 4)), ("b", R(5, 4)));
    }

    [Fact]
    public void BatchNorm_on_features() =>
        Check(p => DualOps.BatchNorm(p("x"), p("mean"), p("var"), p("w"), p("b")),
            ("x", R(1, 6, 4)), ("mean", R(2, 4)), ("var", R(3, 4).abs() + 0.5), ("w", R(4, 4)), ("b", R(5, 4)));

    [Fact]
    public void LayerNorm() =>
        Check(p => DualOps.LayerNorm(p("x"), p("w"), p("b")), ("x", R(1, 2, 3, 8)), ("w", R(2, 8)), ("b", R(3, 8)));

    [Fact] public void Relu() => Check(p => DualOps.Relu(p("x")), ("x", R(1, 5, 7)));
    [Fact] public void Gelu() => Check(p => DualOps.Gelu(p("x")), ("x", R(1, 5, 7)));
    [Fact] public void QuickGelu() => Check(p => DualOps.QuickGelu(p("x")), ("x", R(1, 5, 7)));
    [Fact] public void Softmax() => Check(p => DualOps.Softmax(p("x"), -1), ("x", R(1, 3, 4, 6)));
    [Fact] public void Normalize() => Check(p => DualOps.Normalize(p("x")), ("x", R(1, 5, 6)));
    [Fact] public void Mul() => Check(p => DualOps.Mul(p("a"), p("b")), ("a", R(1, 3, 4)), ("b", R(2, 3, 4)));

    [Fact]
    public void Attention_with_causal_additive_mask()
    {
        var mask = CausalMask(5, ScalarType.Float64);
        Check(p => ScaledDotProductAttention(p("q"), p("k"), p("v"), mask),
            ("q", R(1, 2, 3, 5, 4)), ("k", R(2, 2, 3, 5, 4)), ("v", R(3, 2, 3, 5, 4)));
    }

    [Fact] public void MaxPool2d() => Check(p => DualOps.MaxPool2d(p("x"), 3, 2, 1), ("x", R(1, 2, 3, 8, 8)));
    [Fact] public void AdaptiveMaxPool2d() => Check(p => DualOps.AdaptiveMaxPool2d(p("x"), 3), ("x", R(1, 2, 3, 7, 7)));
    [Fact] public void AvgPool2d() => Check(p => DualOps.AvgPool2d(p("x"), 2, 2), ("x", R(1, 2, 3, 8, 8)));
    [Fact] public void AdaptiveAvgPool2d() => Check(p => DualOps.AdaptiveAvgPool2d(p("x"), 1), ("x", R(1, 2, 3, 5, 5)));

    [Fact]
    public void Embedding_lookup()
    {
        var ids = tensor(new long[] { 0, 3, 3, 1, 4, 2 }).view(2, 3);
        Check(p => DualOps.Embedding(ids, p("w")), ("w", R(1, 5, 4)));
    }

    [Fact]
    public void Residual_add() => Check(p => p("a") + DualOps.Relu(p("b")), ("a", R(1, 3, 4)), ("b", R(2, 3, 4)));

    [Fact]
    public void Concat_with_a_constant_part() =>
        JvpAssert.MatchesOracles(p => Cat([p("a"), p("c"), p("b")], 1),
            new Dictionary<string, Tensor> { ["a"] = R(1, 2, 3), ["b"] = R(2, 2, 4), ["c"] = R(3, 2, 1) },
            new Dictionary<string, Tensor> { ["a"] = R(4, 2, 3), ["b"] = R(5, 2, 4) });

    [Fact]
    public void Reshapes_permutes_and_selects() =>
        Check(p => Select(Permute(Reshape(p("x"), 2, 3, 4), 2, 0, 1), 1, 1) + Mean(p("y"), [0]),
            ("x", R(1, 4, 6)), ("y", R(2, 5, 4, 3)));

    [Fact]
    public void A_zero_tangent_stays_null_so_no_work_is_done()
    {
        var y = DualOps.Linear(R(1, 2, 3), R(2, 4, 3), R(3, 4));
        Assert.Null(DualOps.Relu(DualOps.LayerNorm(y, R(4, 4), R(5, 4))).Tangent);
    }

    [Fact]
    public void MatMul_shape_mismatch_is_an_exception_not_a_process_abort() =>
        Assert.Throws<ArgumentException>(() => DualOps.MatMul(R(1, 2, 3), R(2, 4, 5)));
}
