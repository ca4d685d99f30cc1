using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Autodiff;

public static partial class DualOps
{
    /// <summary>
    /// Batch norm in eval mode (frozen running statistics μ, σ², as in the paper's encoders):
    /// y = γ·(x − μ)·s + β with s = (σ² + ε)^(-1/2);
    /// ẏ = γ·(s·(ẋ − μ̇) − ½·x̂·s²·σ̇²) + x̂·γ̇ + β̇.
    /// </summary>
    public static Dual BatchNorm(Dual x, Dual runningMean, Dual runningVar, Dual weight, Dual bias,
        double eps = 1e-5) => Scoped(() =>
    {
        long[] channel = ChannelShape(x.Primal);
        // libtorch's fused kernel cannot differentiate through the statistics; only the double-backward oracle asks
        // for that.
        var y = runningMean.Primal.requires_grad || runningVar.Primal.requires_grad
            ? (x.Primal - runningMean.Primal.view(channel)) * (runningVar.Primal + eps).rsqrt().view(channel)
                * weight.Primal.view(channel) + bias.Primal.view(channel)
            : nn.functional.batch_norm(x.Primal, runningMean.Primal, runningVar.Primal, weight.Primal, bias.Primal,
                training: false, eps: eps);
        bool paramTangents = runningMean.Tangent is not null || runningVar.Tangent is not null
            || weight.Tangent is not null || bias.Tangent is not null;
        if (x.Tangent is null && !paramTangents) return new(y, null);

        var s = (runningVar.Primal + eps).rsqrt();
        var scale = (weight.Primal * s).view(channel);
        bool constantStatistics = runningMean.Tangent is null && runningVar.Tangent is null
            && !runningMean.Primal.requires_grad && !runningVar.Primal.requires_grad;
        if (constantStatistics && weight.Tangent is not null)
        {
            // x̂·γ̇ + β̇ is batch norm with weight γ̇ and bias β̇: libtorch's fused kernel does it (and its gradient
            // for γ̇ and β̇) in one pass over x instead of four; then ẋ·γ·s is added in one more.
            var affine = nn.functional.batch_norm(x.Primal, runningMean.Primal, runningVar.Primal, weight.Tangent,
                bias.Tangent, training: false, eps: eps);
            return new(y, x.Tangent is null ? affine : affine.addcmul(x.Tangent, scale, 1));
        }
        Tensor? t = x.Tangent is null ? null : x.Tangent * scale;
        if (!paramTangents) return new(y, t);

        var xhat = (x.Primal - runningMean.Primal.view(channel)) * s.view(channel);
        Tensor? dxhat = null;
        if (runningMean.Tangent is not null) dxhat = -(runningMean.Tangent * s).view(channel);
        if (runningVar.Tangent is not null)
            dxhat = AddTangents(dxhat, xhat * (-0.5 * runningVar.Tangent * s * s).view(channel));
        if (dxhat is not null) t = AddTangents(t, dxhat * weight.Primal.view(channel));
        if (weight.Tangent is not null) t = AddTangents(t, xhat * weight.Tangent.view(channel));
        if (bias.Tangent is not null)
            t = AddTangents(t, t is null ? bias.Tangent.view(channel).expand_as(y) : bias.Tangent.view(channel));
        return new(y, t);
    });

    // [1, C, 1, 1, …] for an input [N, C, …].
    static long[] ChannelShape(Tensor x)
    {
        var shape = Enumerable.Repeat(1L, (int)x.dim()).ToArray();
        shape[1] = -1;
        return shape;
    }

    /// <summary>
    /// Layer norm over the last dimension: x̂ = (x − mean)·r with r = (var + ε)^(-1/2), y = x̂·γ + β;
    /// x̂̇ = (ẋ − mean(ẋ) − x̂·mean(ẋ ⊙ x̂))·r, ẏ = x̂̇·γ + x̂·γ̇ + β̇.
    /// </summary>
    public static Dual LayerNorm(Dual x, Dual weight, Dual bias, double eps = 1e-5) => Scoped(() =>
    {
        long d = x.Primal.shape[^1];
        if (x.Tangent is null && weight.Tangent is null && bias.Tangent is null)
            return new(nn.functional.layer_norm(x.Primal, [d], weight.Primal, bias.Primal, eps), null);

        var centered = x.Primal - x.Primal.mean([-1L], keepdim: true);
        var r = (centered.square().mean([-1L], keepdim: true) + eps).rsqrt();
        var xhat = centered * r;
        var y = xhat * weight.Primal + bias.Primal;
        Tensor? t = null;
        if (x.Tangent is { } dx)
        {
            var dxhat = (dx - dx.mean([-1L], keepdim: true) - xhat * (dx * xhat).mean([-1L], keepdim: true)) * r;
            t = dxhat * weight.Primal;
        }
        if (weight.Tangent is not null) t = AddTangents(t, xhat * weight.Tangent);
        if (bias.Tangent is not null) t = AddTangents(t, t is null ? bias.Tangent.expand_as(y) : bias.Tangent);
        return new(y, t);
    });
}
