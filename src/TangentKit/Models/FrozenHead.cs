using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Models;

/// <summary>
/// A frozen linear classification head on (optionally L2-normalized) features: logits = normalize(f)·Wᵀ + b.
/// The analogue of the paper's CLIP zero-shot heads (normalized features; the scale lives in W). Never trained by
/// fine-tuning.
/// </summary>
public sealed class FrozenHead : IDisposable
{
    /// <summary>A head with weight [C, D] and optional bias [C] (both copied and frozen).</summary>
    public FrozenHead(Tensor weight, Tensor? bias = null, bool normalizeFeatures = true)
    {
        if (weight.dim() != 2)
            throw new ArgumentException(
                $"head weight must be [classes, features], got [{string.Join(",", weight.shape)}].", nameof(weight));
        if (bias is not null && (bias.dim() != 1 || bias.shape[0] != weight.shape[0]))
            throw new ArgumentException(
                $"head bias must be [{weight.shape[0]}], got [{string.Join(",", bias.shape)}].", nameof(bias));
        Weight = weight.detach().clone().DetachFromDisposeScope();
        Bias = bias?.detach().clone().DetachFromDisposeScope();
        NormalizeFeatures = normalizeFeatures;
    }

    /// <summary>W [C, D].</summary>
    public Tensor Weight { get; }

    /// <summary>b [C] or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>Whether features are divided by their L2 norm first (as CLIP heads do).</summary>
    public bool NormalizeFeatures { get; }

    /// <summary>Number of classes C.</summary>
    public long Classes => Weight.shape[0];

    /// <summary>Logits [N, C] for features [N, D].</summary>
    public Tensor Logits(Tensor features)
    {
        if (features.shape[^1] != Weight.shape[1])
            throw new ArgumentException(
                $"features have width {features.shape[^1]}, the head expects {Weight.shape[1]}.", nameof(features));
        features = features.OnDeviceOf(Weight);
        var f = NormalizeFeatures ? features / features.norm(-1, keepdim: true).clamp_min(1e-12) : features;
        return nn.functional.linear(f, Weight, Bias);
    }

    /// <summary>A copy of this head on <paramref name="device"/>.</summary>
    public FrozenHead To(Device device)
    {
        using var scope = NewDisposeScope();
        return new FrozenHead(Weight.to(device), Bias?.to(device), NormalizeFeatures);
    }

    /// <summary>Frees the head's tensors.</summary>
    public void Dispose()
    {
        Weight.Dispose();
        Bias?.Dispose();
    }
}
