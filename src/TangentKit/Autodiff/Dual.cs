using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Autodiff;

/// <summary>
/// A dual number of tensors: a primal value and its tangent (the directional derivative J·v along the
/// direction being pushed forward). A <c>null</c> tangent means "zero": nothing upstream depends on the direction,
/// so no tangent work is done. Every op in <see cref="DualOps"/> maps (primal, tangent) to (f(primal), Df·tangent).
/// </summary>
/// <param name="Primal">The value f(x; θ0).</param>
/// <param name="Tangent">The directional derivative J(x; θ0)·δ, or null for zero.</param>
public readonly record struct Dual(Tensor Primal, Tensor? Tangent)
{
    /// <summary>A constant (zero-tangent) dual.</summary>
    public static implicit operator Dual(Tensor primal) => new(primal, null);

    /// <summary>The primal's shape.</summary>
    public long[] Shape => Primal.shape;

    /// <summary>Applies a linear map (reshape, permute, slice, pooling by averaging…) to both parts.</summary>
    public Dual Map(Func<Tensor, Tensor> linear) => new(linear(Primal), Tangent is null ? null : linear(Tangent));

    /// <summary>Tangent, or zeros shaped like the primal when the tangent is zero.</summary>
    public Tensor TangentOrZeros() => Tangent ?? zeros_like(Primal);

    /// <summary>Moves both parts out of the innermost dispose scope (see TorchSharp's dispose scopes).</summary>
    public Dual MoveToOuterDisposeScope() => new(Primal.MoveToOuterDisposeScope(), Tangent?.MoveToOuterDisposeScope());

    /// <summary>Residual/elementwise sum: (a + b, ȧ + ḃ).</summary>
    public static Dual operator +(Dual a, Dual b) => DualOps.Add(a, b);

    /// <summary>Elementwise difference: (a − b, ȧ − ḃ).</summary>
    public static Dual operator -(Dual a, Dual b) => DualOps.Sub(a, b);

    /// <summary>Scaling by a constant: (c·a, c·ȧ).</summary>
    public static Dual operator *(Dual a, double c) => a.Map(t => t * c);

    /// <summary>Scaling by a constant: (c·a, c·ȧ).</summary>
    public static Dual operator *(double c, Dual a) => a.Map(t => t * c);
}
