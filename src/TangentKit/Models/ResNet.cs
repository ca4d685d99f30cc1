using TangentKit.Autodiff;
using TorchSharp;
using static TangentKit.Autodiff.DualOps;
using static TorchSharp.torch;

namespace TangentKit.Models;

/// <summary>
/// A BasicBlock ResNet feature extractor in torchvision's state-dict naming (<c>conv1</c>, <c>bn1</c>,
/// <c>layer1.0.conv1</c>, <c>layer2.0.downsample.0</c>, …), ending in global average pooling (no classifier).
/// Batch norm runs in eval mode with its running statistics (frozen, as in the paper's protocol).
/// The mini suite's backbone is <see cref="ResNet18x"/> (blocks [2,2,2,3], the ImageNet ResNet-18 shipped with ML.NET).
/// </summary>
public sealed record ResNet(int[] Blocks, int[] Widths, int InChannels = 3) : IFunctionalModel
{
    /// <summary>
    /// Blocks [2,2,2,3], widths [64,128,256,512]: the shape of ML.NET's ImageNet ResNet-18 (512-d features).
    /// </summary>
    public static ResNet ResNet18x(int inChannels = 3) => new([2, 2, 2, 3], [64, 128, 256, 512], inChannels);

    /// <summary>A small random-init ResNet for the tiny preset and tests.</summary>
    public static ResNet Tiny(int inChannels = 3) => new([1, 1, 1, 1], [8, 16, 32, 64], inChannels);

    /// <summary>Width of the output features.</summary>
    public int FeatureDim => Widths[^1];

    /// <inheritdoc />
    public string Name => $"resnet[{string.Join(",", Blocks)}]x[{string.Join(",", Widths)}]";

    /// <inheritdoc />
    public ParameterSet Initialize(long seed, ScalarType dtype = ScalarType.Float32) =>
        Initialize(new Init(seed, dtype));

    internal ParameterSet Initialize(Init init)
    {
        var set = new ParameterSet().Add("conv1.weight", init.KaimingNormalFanOut([Widths[0], InChannels, 7, 7]));
        AddBatchNorm(set, init, "bn1", Widths[0]);
        long inWidth = Widths[0];
        foreach (var (layer, block, stride) in BlockPlan())
        {
            long w = Widths[layer];
            string pre = $"layer{layer + 1}.{block}.";
            set.Add(pre + "conv1.weight", init.KaimingNormalFanOut([w, inWidth, 3, 3]));
            AddBatchNorm(set, init, pre + "bn1", w);
            set.Add(pre + "conv2.weight", init.KaimingNormalFanOut([w, w, 3, 3]));
            AddBatchNorm(set, init, pre + "bn2", w);
            if (stride != 1 || inWidth != w)
            {
                set.Add(pre + "downsample.0.weight", init.KaimingNormalFanOut([w, inWidth, 1, 1]));
                AddBatchNorm(set, init, pre + "downsample.1", w);
            }
            inWidth = w;
        }
        return set;
    }

    static void AddBatchNorm(ParameterSet set, Init init, string prefix, long channels)
    {
        set.Add(prefix + ".weight", init.Ones(channels)).Add(prefix + ".bias", init.Zeros(channels))
           .Add(prefix + ".running_mean", init.Zeros(channels), isBuffer: true)
           .Add(prefix + ".running_var", init.Ones(channels), isBuffer: true)
           .Add(prefix + ".num_batches_tracked", zeros(1, dtype: ScalarType.Int64).squeeze(), isBuffer: true);
    }

    // (layer index, block index, stride) for every BasicBlock in order.
    IEnumerable<(int Layer, int Block, int Stride)> BlockPlan()
    {
        for (int l = 0; l < Blocks.Length; l++)
            for (int b = 0; b < Blocks[l]; b++)
                yield return (l, b, l > 0 && b == 0 ? 2 : 1);
    }

    /// <inheritdoc />
    public Dual Forward(ParameterLookup p, Dual x)
    {
        InputCheck.Images(this, x, p("conv1.weight"), InChannels, minSize: StemMinSize);
        x = Relu(Norm(p, "bn1", Conv2d(x, p("conv1.weight"), stride: 2, padding: 3)));
        x = MaxPool2d(x, 3, 2, 1);
        foreach (var (layer, block, stride) in BlockPlan())
            x = BasicBlock(p, $"layer{layer + 1}.{block}.", x, stride);
        return Flatten(AdaptiveAvgPool2d(x, 1));
    }

    // The 7×7 stem pads by 3, so any H, W ≥ 7 − 2·3 = 1 gives a feature map; the later ops pad to fit.
    const int StemMinSize = 1;

    static Dual BasicBlock(ParameterLookup p, string pre, Dual x, int stride)
    {
        using var scope = NewDisposeScope();
        var h = Relu(Norm(p, pre + "bn1", Conv2d(x, p(pre + "conv1.weight"), stride: stride, padding: 1)));
        h = Norm(p, pre + "bn2", Conv2d(h, p(pre + "conv2.weight"), padding: 1));
        var shortcut = x.Shape[1] == h.Shape[1] && stride == 1
            ? x
            : Norm(p, pre + "downsample.1", Conv2d(x, p(pre + "downsample.0.weight"), stride: stride));
        return Relu(h + shortcut).MoveToOuterDisposeScope();
    }

    static Dual Norm(ParameterLookup p, string prefix, Dual x) =>
        BatchNorm(x, p(prefix + ".running_mean"), p(prefix + ".running_var"), p(prefix + ".weight"),
            p(prefix + ".bias"));
}
