using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Autodiff;

public static partial class DualOps
{
    /// <summary>
    /// Scaled dot-product attention softmax(q kᵀ/√d + mask)·v on [B, H, N, d] inputs, written out explicitly
    /// (libtorch's fused kernel has no forward-mode rule). <paramref name="additiveMask"/> (e.g. causal −∞ above
    /// the diagonal) broadcasts to [B, H, N, N] and carries no tangent.
    /// </summary>
    public static Dual ScaledDotProductAttention(Dual q, Dual k, Dual v, Tensor? additiveMask = null) => Scoped(() =>
    {
        double scale = 1.0 / Math.Sqrt(q.Primal.shape[^1]);
        var scores = MatMul(q, Transpose(k, -2, -1)) * scale;
        if (additiveMask is not null) scores = new Dual(scores.Primal + additiveMask, scores.Tangent);
        return MatMul(Softmax(scores, -1), v);
    });

    /// <summary>The additive causal mask of CLIP's text tower: 0 on and below the diagonal, −∞ above.</summary>
    public static Tensor CausalMask(long tokens, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        full(tokens, tokens, double.NegativeInfinity, dtype: dtype, device: device).triu(1);
}
