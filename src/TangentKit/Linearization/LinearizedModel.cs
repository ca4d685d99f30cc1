using TangentKit.Autodiff;
using TangentKit.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Linearization;

/// <summary>
/// The first-order Taylor expansion of a model around θ0: f_lin(x; θ0 + δ) = f(x; θ0) + J(x; θ0)·δ, computed
/// with one forward pass that carries tangents (no Jacobian is ever formed). Linear fine-tuning trains δ; post-hoc
/// linearization evaluates it at δ = Σ α_t τ_t of standard task vectors (paper §4–5, Figure 2, Tables 1–2).
/// Shown in notebooks/00-quickstart.
/// </summary>
public sealed class LinearizedModel
{
    /// <summary>
    /// Linearizes <paramref name="model"/> at <paramref name="theta0"/>, optionally already displaced by
    /// <paramref name="delta"/>.
    /// </summary>
    public LinearizedModel(IFunctionalModel model, ParameterSet theta0,
        IReadOnlyDictionary<string, Tensor>? delta = null)
        : this(model, theta0, delta, checkTheta0: true)
    {
    }

    // θ0 is checked against the model once; WithDelta shares an already checked θ0.
    LinearizedModel(IFunctionalModel model, ParameterSet theta0, IReadOnlyDictionary<string, Tensor>? delta,
        bool checkTheta0)
    {
        if (checkTheta0) InputCheck.Parameters(model, theta0, "θ0", nameof(theta0));
        Model = model;
        Theta0 = theta0;
        if (delta is not null) CheckDelta(delta);
        Delta = delta;
    }

    /// <summary>The network being linearized.</summary>
    public IFunctionalModel Model { get; }

    /// <summary>The linearization point θ0 (never modified).</summary>
    public ParameterSet Theta0 { get; }

    /// <summary>The displacement δ = θ − θ0 this model is evaluated at (null: δ = 0, i.e. f(x; θ0)).</summary>
    public IReadOnlyDictionary<string, Tensor>? Delta { get; }

    /// <summary>The same linearization evaluated at another displacement.</summary>
    public LinearizedModel WithDelta(IReadOnlyDictionary<string, Tensor>? delta) =>
        new(Model, Theta0, delta, checkTheta0: false);

    /// <summary>
    /// (f(x; θ0), J(x; θ0)·δ) in one pass; the tangent is null when δ is null. Differentiable w.r.t. δ.
    /// </summary>
    public Dual ForwardPair(Tensor x, IReadOnlyDictionary<string, Tensor>? delta)
    {
        if (delta is not null) CheckDelta(delta);
        return Pair(x, delta);
    }

    /// <summary>f_lin(x; θ0 + δ) at this model's <see cref="Delta"/> (checked when this model was made).</summary>
    public Tensor Forward(Tensor x) => Sum(Pair(x, Delta));

    /// <summary>f_lin(x; θ0 + δ) = f(x; θ0) + J(x; θ0)·δ.</summary>
    public Tensor Forward(Tensor x, IReadOnlyDictionary<string, Tensor>? delta) => Sum(ForwardPair(x, delta));

    Dual Pair(Tensor x, IReadOnlyDictionary<string, Tensor>? delta)
    {
        x = x.OnDeviceOf(Theta0);
        return delta is null ? Model.Forward(Theta0.Lookup(), x) : Model.Forward(Theta0.DualLookup(delta), x);
    }

    static Tensor Sum(Dual pair) => pair.Tangent is null ? pair.Primal : pair.Primal + pair.Tangent;

    /// <summary>The Jacobian-vector product J(x; θ0)·v (zeros if v touches no parameter that matters).</summary>
    public Tensor Jvp(Tensor x, IReadOnlyDictionary<string, Tensor> v)
    {
        var (y0, jv) = ForwardPair(x, v);
        return jv ?? zeros_like(y0);
    }

    /// <summary>
    /// An encoder x ↦ f_lin(x; θ0 + δ) evaluated without autograd (evaluation of linear and post-hoc models).
    /// </summary>
    public Func<Tensor, Tensor> Encoder() => x =>
    {
        using var _ = no_grad();
        return Forward(x);
    };

    void CheckDelta(IReadOnlyDictionary<string, Tensor> delta)
    {
        foreach (var (name, t) in delta)
        {
            if (!Theta0.TryGetValue(name, out var p))
                throw new ArgumentException($"displacement entry '{name}' is not a parameter of {Model.Name}.",
                    nameof(delta));
            if (!p.shape.SequenceEqual(t.shape))
                throw new ArgumentException($"displacement entry '{name}' has shape [{string.Join(",", t.shape)}], " +
                    $"the parameter has [{string.Join(",", p.shape)}].", nameof(delta));
            if (t.dtype != p.dtype)
                throw new ArgumentException($"displacement entry '{name}' is {t.dtype}, the parameter is {p.dtype}.",
                    nameof(delta));
        }
    }
}

/// <summary>Entry point: <c>model.Linearize(theta0)</c>.</summary>
public static class LinearizationExtensions
{
    /// <summary>
    /// The linearization of <paramref name="model"/> at <paramref name="theta0"/>:
    /// f_lin(x; θ0 + δ) = f(x; θ0) + J·δ.
    /// </summary>
    /// <example>
    /// <code>
    /// var lin = model.Linearize(theta0);                 // f_lin around θ0
    /// var (f0, jd) = lin.ForwardPair(x, delta);          // f(x; θ0) and J(x; θ0)·δ in one pass
    /// var y = lin.Forward(x, delta);                     // f0 + jd
    /// </code>
    /// </example>
    public static LinearizedModel Linearize(this IFunctionalModel model, ParameterSet theta0) => new(model, theta0);
}
