using TangentKit.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Models;

/// <summary>
/// Zero-shot-like heads: one row per class, the normalized mean of θ0's normalized features over a few support images
/// of that class, times CLIP's logit scale; no bias. The mini suite's analogue of the paper's text heads: they are
/// fixed before fine-tuning and never see the images used for fine-tuning, validation or test.
/// </summary>
public static class PrototypeHead
{
    /// <summary>CLIP's learned logit scale (exp of its temperature parameter, clamped at 100).</summary>
    public const double ClipLogitScale = 100;

    /// <summary>
    /// The head whose row c is <paramref name="logitScale"/> · normalize(mean of normalize(f) over class c) for
    /// features [N, D] and labels [N]; every class needs at least one example.
    /// </summary>
    public static FrozenHead FromFeatures(Tensor features, Tensor labels, int classes,
        double logitScale = ClipLogitScale)
    {
        if (features.dim() != 2 || labels.dim() != 1 || features.shape[0] != labels.shape[0])
            throw new ArgumentException($"features [{string.Join(",", features.shape)}] and labels " +
                $"[{string.Join(",", labels.shape)}] must be [N, D] and [N].");
        if (!(logitScale > 0) || double.IsInfinity(logitScale))
            throw new ArgumentOutOfRangeException(nameof(logitScale), logitScale, "the logit scale must be positive.");
        using var scope = NewDisposeScope();
        var f = features.detach();
        f = f / f.norm(-1, keepdim: true).clamp_min(1e-12);
        var onehot = nn.functional.one_hot(labels.OnDeviceOf(f), classes).to_type(f.dtype);            // [N, C]
        var counts = onehot.sum([0]);
        var missing = counts.eq(0).nonzero();
        if (missing.shape[0] > 0)
            throw new ArgumentException($"class {missing[0, 0].item<long>()} has no support example.", nameof(labels));
        var prototypes = onehot.t().matmul(f) / counts.unsqueeze(1);                     // class means [C, D]
        prototypes = prototypes / prototypes.norm(-1, keepdim: true).clamp_min(1e-12);
        return new FrozenHead(prototypes * logitScale, bias: null, normalizeFeatures: true);
    }

    /// <summary>
    /// The head of a task from <paramref name="encoder"/>'s features of its <paramref name="support"/> images
    /// (batched, no autograd).
    /// </summary>
    public static FrozenHead FromSupport(Func<Tensor, Tensor> encoder, LabeledData support, int classes,
        double logitScale = ClipLogitScale, int batchSize = 256)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var features = cat(support.Batches(batchSize).Select(b => encoder(b.Inputs)).ToList(), 0);
        return FromFeatures(features, support.Labels, classes, logitScale);
    }
}
