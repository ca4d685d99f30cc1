using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Autodiff;

public static partial class DualOps
{
    /// <summary>Affine layer y = x Wᵀ + b; ẏ = ẋ Wᵀ + x Ẇᵀ + ḃ.</summary>
    public static Dual Linear(Dual x, Dual weight, Dual? bias = null) => Scoped(() =>
    {
        var y = nn.functional.linear(x.Primal, weight.Primal, bias?.Primal);
        Tensor? t = x.Tangent is null ? null : nn.functional.linear(x.Tangent, weight.Primal);
        if (weight.Tangent is not null)
            t = AddTangents(t, nn.functional.linear(x.Primal, weight.Tangent, bias?.Tangent));
        else if (bias?.Tangent is { } db)
            t = AddTangents(t, t is null ? db.expand_as(y) : db);
        return new(y, t);
    });

    /// <summary>Matrix product a·b (batched); d(ab) = ȧb + aḃ.</summary>
    public static Dual MatMul(Dual a, Dual b) => Scoped(() =>
    {
        CheckMatMul(a.Primal, b.Primal);
        var y = a.Primal.matmul(b.Primal);
        return new(y, AddTangents(a.Tangent?.matmul(b.Primal), b.Tangent is null ? null : a.Primal.matmul(b.Tangent)));
    });

    // libtorch's matmul aborts the whole process on a shape mismatch (no C# exception): check first.
    static void CheckMatMul(Tensor a, Tensor b)
    {
        long inner = a.dim() == 1 ? a.shape[0] : a.shape[^1];
        long other = b.dim() == 1 ? b.shape[0] : b.shape[^2];
        if (inner != other)
            throw new ArgumentException(
                $"matmul: inner dimensions differ ([{string.Join(",", a.shape)}] × [{string.Join(",", b.shape)}]).");
    }

    /// <summary>2-D convolution (stride, padding, dilation, groups); ẏ = conv(ẋ, W) + conv(x, Ẇ) + ḃ.</summary>
    public static Dual Conv2d(Dual x, Dual weight, Dual? bias = null, long stride = 1, long padding = 0,
        long dilation = 1, long groups = 1) => Scoped(() =>
    {
        long[] s = [stride, stride], p = [padding, padding], d = [dilation, dilation];
        var y = nn.functional.conv2d(x.Primal, weight.Primal, bias?.Primal, s, p, d, groups);
        Tensor? t = x.Tangent is null ? null : nn.functional.conv2d(x.Tangent, weight.Primal, null, s, p, d, groups);
        if (weight.Tangent is not null)
        {
            // In place into the fresh conv(ẋ, W): no third activation-sized buffer (convolution saves its inputs, not
            // its output, for the backward pass).
            var fromWeight = nn.functional.conv2d(x.Primal, weight.Tangent, bias?.Tangent, s, p, d, groups);
            t = t is null ? fromWeight : t.add_(fromWeight);
        }
        else if (bias?.Tangent is { } db)
            t = AddTangents(t, t is null ? db.view(1, -1, 1, 1).expand_as(y) : db.view(1, -1, 1, 1));
        return new(y, t);
    });

    /// <summary>Embedding lookup rows = W[ids]; the tangent is Ẇ[ids] (ids carry no tangent).</summary>
    public static Dual Embedding(Tensor ids, Dual weight)
    {
        Tensor Gather(Tensor w) => w.index_select(0, ids.flatten()).view([.. ids.shape, w.shape[1]]);
        return new(Gather(weight.Primal), weight.Tangent is null ? null : Gather(weight.Tangent));
    }
}
