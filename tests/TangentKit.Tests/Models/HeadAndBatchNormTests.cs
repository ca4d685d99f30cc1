using TangentKit.Models;

namespace TangentKit.Tests.Models;

/// Prototype heads against a hand-computed case; batch-norm recalibration against torch's own batch norm in train mode
/// (a forward of the tiny ResNet written with torch.nn.functional, independent of the kit's dual-number ops).
public class HeadAndBatchNormTests
{
    [Fact]
    public void A_prototype_head_is_the_scaled_normalized_mean_of_normalized_features()
    {
        // Class 0: (3, 4) and (6, 8) normalize to (0.6, 0.8) twice; class 1: (0, 2) → (0, 1).
        var features = tensor(new float[,] { { 3, 4 }, { 6, 8 }, { 0, 2 } });
        using var head = PrototypeHead.FromFeatures(features, tensor(new long[] { 0, 0, 1 }), classes: 2);
        Assert.Null(head.Bias);
        Assert.True(head.Weight.allclose(tensor(new float[,] { { 60, 80 }, { 0, 100 } }), rtol: 1e-6, atol: 1e-4));
        // x = (5, 0) normalizes to (1, 0): logits (60, 0).
        using var logits = head.Logits(tensor(new float[,] { { 5, 0 } }));
        Assert.True(logits.allclose(tensor(new float[,] { { 60, 0 } }), rtol: 1e-6, atol: 1e-4));
        // Means are taken after normalizing: (1, 0) and (0, 10) average to (0.5, 0.5), not toward (0, 1).
        using var mixed = PrototypeHead.FromFeatures(tensor(new float[,] { { 1, 0 }, { 0, 10 } }),
            tensor(new long[] { 0, 0 }), classes: 1, logitScale: 1);
        Assert.Equal(Math.Sqrt(0.5), mixed.Weight[0, 0].ToSingle(), 5);
    }

    [Fact]
    public void A_class_without_support_images_is_named()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            PrototypeHead.FromFeatures(ones(2, 3), tensor(new long[] { 0, 2 }), classes: 3));
        Assert.Contains("class 1", e.Message);
    }

    // The tiny ResNet ([1,1,1,1] × [8,16,32,64]) in train mode, with torch's batch norm updating running statistics
    // in place (momentum 1: they become this batch's mean and unbiased variance).
    static Tensor Conv(Tensor x, Tensor w, long stride, long padding) =>
        nn.functional.conv2d(x, w, null, [stride, stride], [padding, padding]);

    static Dictionary<string, (Tensor Mean, Tensor Var)> TorchTrainModeStatistics(ParameterSet p, Tensor x)
    {
        var stats = new Dictionary<string, (Tensor, Tensor)>();
        Tensor Bn(Tensor h, string name)
        {
            var (mean, var) = (zeros(h.shape[1]), ones(h.shape[1]));
            var y = nn.functional.batch_norm(h, mean, var, p[name + ".weight"], p[name + ".bias"], training: true,
                momentum: 1.0);
            stats[name] = (mean, var);
            return y;
        }
        var h = nn.functional.relu(Bn(Conv(x, p["conv1.weight"], 2, 3),
            "bn1"));
        h = nn.functional.max_pool2d(h, [3, 3], [2, 2], [1, 1]);
        for (int layer = 1; layer <= 4; layer++)
        {
            string pre = $"layer{layer}.0.";
            long stride = layer == 1 ? 1 : 2;
            var y = nn.functional.relu(Bn(Conv(h, p[pre + "conv1.weight"], stride, 1), pre + "bn1"));
            y = Bn(Conv(y, p[pre + "conv2.weight"], 1, 1), pre + "bn2");
            var shortcut = layer == 1 ? h
                : Bn(Conv(h, p[pre + "downsample.0.weight"], stride, 0),
                    pre + "downsample.1");
            h = nn.functional.relu(y + shortcut);
        }
        return stats;
    }

    [Fact]
    public void Recalibrated_statistics_equal_torch_batch_norm_in_train_mode()
    {
        var model = ResNet.Tiny();
        using var theta = model.Initialize(3);
        var x = randn([24, 3, 32, 32], generator: new Generator(4)) * 20 + 5;
        using var one = model.RecalibrateBatchNorm(theta, x);
        var expected = TorchTrainModeStatistics(theta, x);
        Assert.Equal(12, expected.Count);                          // stem, 2 in layer1, 3 in each of layers 2–4
        foreach (var (name, (mean, var)) in expected)
        {
            Assert.True(one[name + ".running_mean"].allclose(mean, rtol: 1e-4, atol: 1e-4), name + " mean");
            Assert.True(one[name + ".running_var"].allclose(var, rtol: 1e-4, atol: 1e-4), name + " variance");
        }
        // Two batches of 12: the average of each batch's train-mode statistics.
        using var two = model.RecalibrateBatchNorm(theta, x, batchSize: 12);
        var first = TorchTrainModeStatistics(theta, x.narrow(0, 0, 12));
        var second = TorchTrainModeStatistics(theta, x.narrow(0, 12, 12));
        foreach (var name in expected.Keys)
            Assert.True(two[name + ".running_var"].allclose((first[name].Var + second[name].Var) / 2, rtol: 1e-4,
                atol: 1e-4), name + " two-batch variance");
        // Weights are copied, untouched.
        Assert.True(one["layer2.0.conv1.weight"].equal(theta["layer2.0.conv1.weight"]).all().ToBoolean());
        // A random initialization's 0/1 statistics are replaced: its features now have unit-scale inputs.
        Assert.False(one["bn1.running_var"].allclose(theta["bn1.running_var"]));
    }
}
