using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Autodiff;

/// <summary>
/// Three independent ways to compute the Jacobian-vector product J(θ)·v of a function written against a
/// <see cref="ParameterLookup"/>: explicit tangent propagation (what the kit trains with) and two oracles that
/// the tests compare it to — float64 central finite differences and the double-backward trick.
/// Shown in notebooks/00-quickstart and exercises/ex1-jvp-of-a-layer.
/// </summary>
public static class JvpOracles
{
    /// <summary>J·v by pushing tangents through <see cref="DualOps"/> (the kit's method).</summary>
    public static Tensor TangentPropagation(Func<ParameterLookup, Dual> f, IReadOnlyDictionary<string, Tensor> at,
        IReadOnlyDictionary<string, Tensor> direction)
    {
        var y = f(name => new Dual(at[name], direction.TryGetValue(name, out var v) ? v : null));
        return y.Tangent ?? zeros_like(y.Primal);
    }

    /// <summary>
    /// Central finite difference (f(θ + εv) − f(θ − εv)) / 2ε; error O(ε²) — use float64.
    /// </summary>
    public static Tensor CentralDifference(Func<ParameterLookup, Dual> f, IReadOnlyDictionary<string, Tensor> at,
        IReadOnlyDictionary<string, Tensor> direction, double eps = 1e-6)
    {
        using var noGrad = no_grad();
        Tensor Eval(double step)
            => f(name => direction.TryGetValue(name, out var v) ? at[name] + step * v : at[name]).Primal;
        return (Eval(eps) - Eval(-eps)) / (2 * eps);
    }

    /// <summary>
    /// The double-backward trick: with u a dummy cotangent, g(u) = Jᵀu is linear in u, so
    /// J·v = ∂⟨g(u), v⟩/∂u. Uses only <c>backward</c> (which reports errors as exceptions), never
    /// <c>autograd.grad</c> (which aborts the process on errors).
    /// </summary>
    public static Tensor DoubleBackward(Func<ParameterLookup, Dual> f, IReadOnlyDictionary<string, Tensor> at,
        IReadOnlyDictionary<string, Tensor> direction)
    {
        var leaves = direction.Keys.ToDictionary(n => n, n => at[n].detach().clone().requires_grad_(true));
        var y = f(name => new Dual(leaves.TryGetValue(name, out var leaf) ? leaf : at[name], null)).Primal;
        var u = zeros_like(y).requires_grad_(true);
        y.backward([u], retain_graph: true, create_graph: true);          // leaf.grad = Jᵀu, differentiable in u
        Tensor? inner = null;
        foreach (var (name, leaf) in leaves)
            if (leaf.grad is { } g)
                inner = inner is null ? (g * direction[name]).sum() : inner + (g * direction[name]).sum();
        if (inner is null || !inner.requires_grad) return zeros_like(y);     // y does not depend on the direction
        inner.backward();
        return u.grad!.detach().clone();
    }
}
