using TangentKit.Autodiff;
using TangentKit.Models;

namespace TangentKit.Tests.Models;

/// Whole models: J(x; θ)·v by tangent propagation equals float64 central differences and double backward.
public class ModelJvpTests
{
    static Tensor R(long seed, params long[] shape) =>
        randn(shape, dtype: ScalarType.Float64, generator: new Generator((ulong)seed));

    static void Check(IFunctionalModel model, Tensor x, Action<ParameterSet>? perturb = null)
    {
        using var theta = model.Initialize(seed: 1, ScalarType.Float64);
        perturb?.Invoke(theta);
        var direction = JvpAssert.RandomLike(theta, seed: 2);
        JvpAssert.MatchesOracles(p => model.Forward(p, x), theta, direction);
    }

    [Fact] public void Mlp_with_gelu() => Check(new Mlp([12, 16, 16, 5]), R(3, 4, 12));

    [Fact]
    public void Pre_ln_transformer_with_quickgelu_and_causal_masked_attention()
    {
        var model = new TextTransformer(VocabSize: 11, ContextLength: 6, Width: 16, Layers: 2, Heads: 4, OutputDim: 8);
        var ids = tensor(new long[] { 1, 5, 2, 10, 0, 0, 3, 3, 9, 4, 7, 2 }).view(2, 6);
        Check(model, ids);
    }

    [Fact]
    public void Vision_transformer() =>
        Check(new VisionTransformer(ImageSize: 8, PatchSize: 4, Width: 16, Layers: 2, Heads: 2, OutputDim: 6),
            R(3, 2, 3, 8, 8));

    [Fact]
    public void Small_resnet_with_batch_norm_statistics()
    {
        // Random running statistics so that batch norm is not the identity.
        Check(new ResNet([1, 2], [4, 8]), R(3, 2, 3, 16, 16), theta =>
        {
            foreach (var name in theta.Names.Where(n => n.EndsWith("running_mean")))
                theta[name].copy_(R(4, theta[name].shape) * 0.1);
            foreach (var name in theta.Names.Where(n => n.EndsWith("running_var")))
                theta[name].copy_(R(5, theta[name].shape).abs() + 0.5);
        });
    }
}
