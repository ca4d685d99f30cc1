using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Autodiff;

/// <summary>
/// Forward-mode (JVP) rules for the ops of the paper's networks, by explicit tangent propagation.
/// Each op returns (f(p), Df(p)·ṗ); a null tangent stays null. Used by every linearized model (Figures 2–5,
/// Tables 1–2).
/// </summary>
public static partial class DualOps
{
    /// <summary>
    /// Runs an op in its own dispose scope: its temporaries are freed as soon as it returns (autograd keeps what it
    /// saved), so tangent propagation does not hold every intermediate of a block until the block ends.
    /// </summary>
    static Dual Scoped(Func<Dual> op)
    {
        using var scope = NewDisposeScope();
        return op().MoveToOuterDisposeScope();
    }

    /// <summary>Sum of two optional tangents (null = zero).</summary>
    internal static Tensor? AddTangents(Tensor? a, Tensor? b) => a is null ? b : b is null ? a : a + b;

    /// <summary>(a + b, ȧ + ḃ); residual connections.</summary>
    public static Dual Add(Dual a, Dual b) => new(a.Primal + b.Primal, AddTangents(a.Tangent, b.Tangent));

    /// <summary>(a − b, ȧ − ḃ).</summary>
    public static Dual Sub(Dual a, Dual b) =>
        new(a.Primal - b.Primal,
            b.Tangent is null ? a.Tangent : a.Tangent is null ? -b.Tangent : a.Tangent - b.Tangent);

    /// <summary>Elementwise product (a·b, ȧ·b + a·ḃ).</summary>
    public static Dual Mul(Dual a, Dual b) => Scoped(() =>
        new(a.Primal * b.Primal, AddTangents(a.Tangent is null ? null : a.Tangent * b.Primal,
            b.Tangent is null ? null : a.Primal * b.Tangent)));

    /// <summary>ReLU: (max(x, 0), ẋ·1[x &gt; 0]).</summary>
    public static Dual Relu(Dual x) => Scoped(() =>
    {
        var y = nn.functional.relu(x.Primal);
        return new(y, x.Tangent is null ? null : x.Tangent * x.Primal.gt(0));
    });

    const double InvSqrt2 = 0.70710678118654752440, InvSqrt2Pi = 0.39894228040143267794;

    /// <summary>Exact (erf) GELU: y = x·Φ(x), ẏ = ẋ·(Φ(x) + x·φ(x)).</summary>
    public static Dual Gelu(Dual x) => Scoped(() =>
    {
        var y = nn.functional.gelu(x.Primal);
        if (x.Tangent is null) return new(y, null);
        var p = x.Primal;
        // In-place on fresh temporaries: Φ(x) + x·φ(x) costs two activation-sized buffers, not ten.
        var factor = special.erf(p * InvSqrt2).add_(1).mul_(0.5);
        factor.add_(p.square().mul_(-0.5).exp_().mul_(InvSqrt2Pi).mul_(p));
        return new(y, x.Tangent * factor);
    });

    /// <summary>
    /// CLIP's QuickGELU: y = x·σ(1.702x), ẏ = ẋ·(s + 1.702·x·s·(1 − s)) with s = σ(1.702x).
    /// </summary>
    public static Dual QuickGelu(Dual x) => Scoped(() =>
    {
        var s = sigmoid(1.702 * x.Primal);
        var y = x.Primal * s;
        if (x.Tangent is null) return new(y, null);
        var factor = (1 - s).mul_(s).mul_(x.Primal).mul_(1.702).add_(s);
        return new(y, x.Tangent * factor);
    });

    /// <summary>Softmax along <paramref name="dim"/>: A = softmax(s), Ȧ = A ⊙ (ṡ − Σ A ⊙ ṡ).</summary>
    public static Dual Softmax(Dual s, long dim = -1) => Scoped(() =>
    {
        var a = nn.functional.softmax(s.Primal, dim);
        if (s.Tangent is null) return new(a, null);
        var weighted = a * s.Tangent;
        return new(a, weighted - a * weighted.sum(dim, keepdim: true));
    });

    /// <summary>Row-wise L2 normalization x/‖x‖ (CLIP heads): ẏ = (ẋ − y·⟨y, ẋ⟩)/‖x‖.</summary>
    public static Dual Normalize(Dual x, long dim = -1) => Scoped(() =>
    {
        var norm = x.Primal.norm((int)dim, keepdim: true);
        var y = x.Primal / norm;
        if (x.Tangent is null) return new(y, null);
        return new(y, (x.Tangent - y * (y * x.Tangent).sum(dim, keepdim: true)) / norm);
    });

    /// <summary>Applies the named non-linearity.</summary>
    public static Dual Activate(Dual x, Activation activation) => activation switch
    {
        Activation.Relu => Relu(x),
        Activation.Gelu => Gelu(x),
        Activation.QuickGelu => QuickGelu(x),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation"),
    };
}
