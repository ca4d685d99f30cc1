using TangentKit.Autodiff;
using TorchSharp;
using static TangentKit.Autodiff.DualOps;
using static TorchSharp.torch;

namespace TangentKit.Models;

/// <summary>
/// open_clip's pre-LN residual attention block, written against named parameters (<c>ln_1</c>,
/// <c>attn.in_proj_weight</c>, <c>attn.out_proj</c>, <c>ln_2</c>, <c>mlp.c_fc</c>, <c>mlp.c_proj</c>):
/// x + attn(ln_1(x)), then + mlp(ln_2(x)).
/// The building block of the CLIP towers of the paper (Figures 2–5, Tables 1–2 in the paper preset).
/// </summary>
public static class TransformerBlocks
{
    /// <summary>
    /// Adds one block's parameters under <paramref name="prefix"/> (nn.MultiheadAttention / open_clip initialization).
    /// </summary>
    internal static void AddBlock(ParameterSet set, Init init, string prefix, long width, long mlpRatio = 4)
    {
        long hidden = width * mlpRatio;
        set.Add(prefix + "ln_1.weight", init.Ones(width));
        set.Add(prefix + "ln_1.bias", init.Zeros(width));
        set.Add(prefix + "attn.in_proj_weight",
            init.Uniform([3 * width, width], Math.Sqrt(6.0 / (4 * width))));   // xavier_uniform
        set.Add(prefix + "attn.in_proj_bias", init.Zeros(3 * width));
        set.Add(prefix + "attn.out_proj.weight", init.Weight([width, width]));
        set.Add(prefix + "attn.out_proj.bias", init.Zeros(width));
        set.Add(prefix + "ln_2.weight", init.Ones(width));
        set.Add(prefix + "ln_2.bias", init.Zeros(width));
        set.Add(prefix + "mlp.c_fc.weight", init.Weight([hidden, width]));
        set.Add(prefix + "mlp.c_fc.bias", init.Bias(hidden, width));
        set.Add(prefix + "mlp.c_proj.weight", init.Weight([width, hidden]));
        set.Add(prefix + "mlp.c_proj.bias", init.Bias(width, hidden));
    }

    /// <summary>
    /// One pre-LN block on tokens [B, N, D]. Temporaries are freed when the block ends (a per-block dispose scope
    /// halves the peak memory of tangent propagation; autograd keeps what it saved).
    /// </summary>
    public static Dual Block(ParameterLookup p, string prefix, Dual x, int heads, Activation activation,
        Tensor? additiveMask = null)
    {
        using var scope = NewDisposeScope();
        var h = LayerNorm(x, p(prefix + "ln_1.weight"), p(prefix + "ln_1.bias"));
        x = x + SelfAttention(p, prefix + "attn.", h, heads, additiveMask);
        var m = LayerNorm(x, p(prefix + "ln_2.weight"), p(prefix + "ln_2.bias"));
        m = Activate(Linear(m, p(prefix + "mlp.c_fc.weight"), p(prefix + "mlp.c_fc.bias")), activation);
        m = Linear(m, p(prefix + "mlp.c_proj.weight"), p(prefix + "mlp.c_proj.bias"));
        return (x + m).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Multi-head self-attention with nn.MultiheadAttention's packed <c>in_proj_weight</c> = [W_q; W_k; W_v].
    /// </summary>
    public static Dual SelfAttention(ParameterLookup p, string prefix, Dual x, int heads, Tensor? additiveMask = null)
    {
        long b = x.Shape[0], n = x.Shape[1], d = x.Shape[2];
        if (d % heads != 0) throw new ArgumentException($"width {d} is not divisible by {heads} heads.", nameof(heads));
        long headDim = d / heads;
        var qkv = Linear(x, p(prefix + "in_proj_weight"), p(prefix + "in_proj_bias"));               // [B, N, 3D]
        Dual Head(int i) => qkv.Map(t => t.narrow(-1, i * d, d).view(b, n, heads, headDim).transpose(1, 2));
        var o = ScaledDotProductAttention(Head(0), Head(1), Head(2), additiveMask);                    // [B, H, N, hd]
        o = o.Map(t => t.transpose(1, 2).reshape(b, n, d));
        return Linear(o, p(prefix + "out_proj.weight"), p(prefix + "out_proj.bias"));
    }
}
