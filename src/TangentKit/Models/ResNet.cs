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
           .Add(prefix + ".num_batches_tracked", zeros(1, dtype: ScalarType.Int64, device: CPU).squeeze(),
                isBuffer: true);
    }

    // (layer index, block index, stride) for every BasicBlock in order.
    IEnumerable<(int Layer, int Block, int Stride)> BlockPlan()
    {
        for (int l = 0; l < Blocks.Length; l++)
            for (int b = 0; b < Blocks[l]; b++)
                yield return (l, b, l > 0 && b == 0 ? 2 : 1);
    }

    /// <inheritdoc />
    public Dual Forward(ParameterLookup p, Dual x) => Forward(p, x, recorder: null);

    // With a recorder, every batch norm normalizes with its input's batch statistics and records them (train mode).
    Dual Forward(ParameterLookup p, Dual x, BatchStatistics? recorder)
    {
        InputCheck.Images(this, x, p("conv1.weight"), InChannels, minSize: StemMinSize);
        x = Relu(Norm(p, "bn1", Conv2d(x, p("conv1.weight"), stride: 2, padding: 3), recorder));
        x = MaxPool2d(x, 3, 2, 1);
        foreach (var (layer, block, stride) in BlockPlan())
            x = BasicBlock(p, $"layer{layer + 1}.{block}.", x, stride, recorder);
        return Flatten(AdaptiveAvgPool2d(x, 1));
    }

    /// <summary>
    /// A copy of <paramref name="theta"/> whose batch-norm running means and variances are the statistics of
    /// <paramref name="images"/>: each batch runs in train mode (every layer normalized by its own batch statistics),
    /// and the per-batch means and unbiased variances are averaged, as torch's batch norm with momentum None does over
    /// one pass. Makes a random initialization a normalized network (its 0/1 statistics are not).
    /// </summary>
    public ParameterSet RecalibrateBatchNorm(ParameterSet theta, Tensor images, int batchSize = 256)
    {
        if (images.dim() != 4 || images.shape[0] < 2)
            throw new ArgumentException($"batch-norm statistics need at least two images [N, C, H, W], got " +
                $"[{string.Join(",", images.shape)}].", nameof(images));
        var recorder = new BatchStatistics();
        using (no_grad())
            for (long start = 0; start < images.shape[0]; start += batchSize)
            {
                long n = Math.Min(batchSize, images.shape[0] - start);
                if (n < 2) break;                                           // a 1-image batch has no variance
                using var scope = NewDisposeScope();
                Forward(theta.Lookup(), images.narrow(0, start, n), recorder);
            }
        var result = theta.Map((name, t) =>
        {
            using var stat = recorder.Average(name);
            return stat is null ? t.detach().clone() : stat.to_type(t.dtype, copy: true);
        });
        recorder.Dispose();
        return result;
    }

    // The 7×7 stem pads by 3, so any H, W ≥ 7 − 2·3 = 1 gives a feature map; the later ops pad to fit.
    const int StemMinSize = 1;

    static Dual BasicBlock(ParameterLookup p, string pre, Dual x, int stride, BatchStatistics? recorder)
    {
        using var scope = NewDisposeScope();
        var h = Relu(Norm(p, pre + "bn1", Conv2d(x, p(pre + "conv1.weight"), stride: stride, padding: 1), recorder));
        h = Norm(p, pre + "bn2", Conv2d(h, p(pre + "conv2.weight"), padding: 1), recorder);
        var shortcut = x.Shape[1] == h.Shape[1] && stride == 1
            ? x
            : Norm(p, pre + "downsample.1", Conv2d(x, p(pre + "downsample.0.weight"), stride: stride), recorder);
        return Relu(h + shortcut).MoveToOuterDisposeScope();
    }

    static Dual Norm(ParameterLookup p, string prefix, Dual x, BatchStatistics? recorder)
    {
        if (recorder is null)
            return BatchNorm(x, p(prefix + ".running_mean"), p(prefix + ".running_var"), p(prefix + ".weight"),
                p(prefix + ".bias"));
        var primal = x.Primal;
        var mean = primal.mean([0, 2, 3]);
        var biased = primal.var([0, 2, 3], unbiased: false);
        long count = primal.numel() / primal.shape[1];
        recorder.Add(prefix, mean, biased * count / (count - 1.0));
        return BatchNorm(x, mean, biased, p(prefix + ".weight"), p(prefix + ".bias"));
    }

    // Running sums of per-batch means and unbiased variances by batch-norm prefix.
    sealed class BatchStatistics : IDisposable
    {
        readonly Dictionary<string, (Tensor Mean, Tensor Var, int Batches)> _sums = [];

        public void Add(string prefix, Tensor mean, Tensor unbiasedVar)
        {
            var (m, v) = (mean.detach().to_type(ScalarType.Float64), unbiasedVar.detach().to_type(ScalarType.Float64));
            if (_sums.TryGetValue(prefix, out var s))
            {
                s.Mean.add_(m);
                s.Var.add_(v);
                _sums[prefix] = (s.Mean, s.Var, s.Batches + 1);
            }
            else _sums[prefix] = (m.clone().DetachFromDisposeScope(), v.clone().DetachFromDisposeScope(), 1);
        }

        // The averaged statistic behind a running_mean / running_var entry; null for any other entry.
        public Tensor? Average(string name)
        {
            foreach (var (suffix, pickMean) in new[] { (".running_mean", true), (".running_var", false) })
                if (name.EndsWith(suffix, StringComparison.Ordinal)
                    && _sums.TryGetValue(name[..^suffix.Length], out var s))
                    return (pickMean ? s.Mean : s.Var) / s.Batches;
            return null;
        }

        public void Dispose()
        {
            foreach (var (m, v, _) in _sums.Values) { m.Dispose(); v.Dispose(); }
        }
    }
}
