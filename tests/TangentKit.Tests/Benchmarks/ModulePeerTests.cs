using TangentKit.Benchmarks;
using TangentKit.Models;
using TangentKit.Training;

namespace TangentKit.Tests.Benchmarks;

/// The bench's in-process peer (TorchSharp's own modules and torch.optim.AdamW) against the kit: the same features from
/// the same weights, and after one training step the same weights — libtorch's AdamW and gradient clipping as the
/// oracle of the kit's hand-written ones.
public sealed class ModulePeerTests
{
    static ParameterSet Theta0(ResNet model)
    {
        var theta0 = model.Initialize(3);
        var g = new Generator(7);
        foreach (var name in theta0.Names.Where(n => n.EndsWith("running_mean")))   // non-trivial statistics
            theta0[name].copy_(0.1 * randn(theta0[name].shape, generator: g));
        foreach (var name in theta0.Names.Where(n => n.EndsWith("running_var")))
            theta0[name].copy_(0.5 + rand(theta0[name].shape, generator: g));
        return theta0;
    }

    [Fact]
    public void The_peer_computes_the_kits_features_from_the_same_weights()
    {
        var model = ResNet.Tiny();
        using var theta0 = Theta0(model);
        using var peer = new ModulePeer(model, theta0, 1e-3, 0.1);
        var x = randn([4, 3, 32, 32], generator: new Generator(1));
        using var _ = no_grad();
        var kit = model.Forward(theta0, x);
        var reference = peer.Forward(x);
        Assert.Equal(kit.shape, reference.shape);
        double error = (kit - reference).abs().max().ToDouble(), scale = reference.abs().max().ToDouble();
        Assert.True(scale > 1e-3, "the features are (nearly) zero: the comparison would be vacuous");
        Assert.True(error <= 1e-5 * scale, $"max |kit − peer| = {error:G3} (features up to {scale:G3})");
    }

    [Fact]
    public void One_standard_step_moves_the_weights_as_torch_optim_AdamW_with_clipping_does()
    {
        var model = ResNet.Tiny();
        using var theta0 = Theta0(model);
        var g = new Generator(2);
        var x = randn([8, 3, 32, 32], generator: g);
        var y = randint(5, [8], generator: g);
        using var head = new FrozenHead(10 * randn([5, model.FeatureDim], generator: g));
        var options = new FineTuneOptions { LearningRate = 1e-2, WeightDecay = 0.1, ClipNorm = 1.0 };
        using var state = new FineTuningState(model, theta0, FineTuneMode.Standard);
        using var peer = new ModulePeer(model, theta0, options.LearningRate, options.WeightDecay);
        for (int step = 0; step < 2; step++)
        {
            double kitLoss = state.Step(x, y, head, options.LearningRate, options);
            double peerLoss = peer.Step(x, y, head, options.ClipNorm);
            Assert.Equal(peerLoss, kitLoss, 4);
        }
        double worst = 0, moved = 0;
        foreach (var (name, w) in state.Weights)
        {
            var reference = peer.State[name];
            worst = Math.Max(worst, (w.detach() - reference).abs().max().ToDouble());
            moved = Math.Max(moved, (reference - theta0[name]).abs().max().ToDouble());
        }
        Assert.True(moved > 1e-3, "the step did not move the weights: the comparison would be vacuous");
        Assert.True(worst <= 1e-5, $"max |θ_kit − θ_torch| after two steps = {worst:G3} (largest move {moved:G3})");
    }
}
