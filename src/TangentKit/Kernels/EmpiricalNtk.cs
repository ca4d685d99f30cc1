using TangentKit.Autodiff;
using TangentKit.Linearization;
using TangentKit.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Kernels;

/// <summary>
/// The empirical neural tangent kernel K(x_i, x_j) = ∇θ s(x_i) · ∇θ s(x_j) at θ0 for the scalar readout
/// s(x) = r · f(x; θ0), over θ0's trainable parameters (the kernel of the linearized model; Figure 5),
/// with its eigendecomposition and the measures of how localized its eigenfunctions are on two tasks' samples.
/// Shown in notebooks/05-figure5-ntk-localization.
/// </summary>
/// <remarks>
/// K is formed exactly and column by column, K[:, i] = J·∇θ s(x_i): one backward pass gives ∇θ s(x_i), one JVP
/// pass through <see cref="LinearizedModel.Jvp"/> applies the Jacobian of all samples to it. No Jacobian is stored,
/// so memory is that of one training step whatever the parameter count. The kernel is returned in float64.
/// </remarks>
public static class EmpiricalNtk
{
    /// <summary>The empirical NTK [N, N] (float64, symmetrized) of <paramref name="f"/> at θ0 on samples x.</summary>
    /// <param name="f">The linearization whose θ0 and network define the kernel (its δ is ignored).</param>
    /// <param name="x">The N samples, [N, …] as the network takes them.</param>
    /// <param name="r">The readout [D] that reduces the network's output [N, D] to one scalar per sample.</param>
    /// <param name="progress">Called with (columns done, N) before each column and with (N, N) at the end.</param>
    /// <example>
    /// <code>
    /// var f = model.Linearize(theta0);
    /// var r = EmpiricalNtk.RandomUnitReadout(f, x, seed: 5);
    /// var k = EmpiricalNtk.Compute(f, x, r);                        // [N, N]
    /// var (values, vectors) = EmpiricalNtk.Eigen(k);                // largest first
    /// double localization = EmpiricalNtk.Localization(EmpiricalNtk.EnergyOnFirst(vectors, n), top: 10);
    /// </code>
    /// </example>
    public static Tensor Compute(LinearizedModel f, Tensor x, Tensor r, Action<int, int>? progress = null)
    {
        int count = CheckSamples(x);
        var theta0 = f.Theta0;
        var trainable = theta0.TrainableNames.ToHashSet();
        if (trainable.Count == 0)
            throw new ArgumentException($"θ0 of {f.Model.Name} must have trainable parameters; got none.", nameof(f));
        using var scope = NewDisposeScope();
        x = x.OnDeviceOf(theta0);
        var leaves = theta0.Where(trainable.Contains)
            .ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().requires_grad_(true));
        ParameterLookup lookup = name => new Dual(leaves.TryGetValue(name, out var l) ? l : theta0[name], null);
        var columns = new List<Tensor>();
        for (int i = 0; i < count; i++)
        {
            progress?.Invoke(i, count);
            using var step = NewDisposeScope();
            var y = f.Model.Forward(lookup, x.narrow(0, i, 1)).Primal;                          // [1, D]
            if (i == 0) CheckReadout(r, y, f.Model.Name);
            (y * r).sum().backward();                                                            // s(x_i)
            var gradient = leaves.ToDictionary(kv => kv.Key, kv => kv.Value.grad ?? zeros_like(kv.Value));
            foreach (var l in leaves.Values) l.grad = null;
            using (no_grad())                                                                    // [N] = J·∇θ s(x_i)
                columns.Add((f.Jvp(x, gradient) * r).sum(-1).to_type(ScalarType.Float64).MoveToOuterDisposeScope());
        }
        progress?.Invoke(count, count);
        var k = stack(columns, 1);                                                               // [N, N]
        return (0.5 * (k + k.T)).MoveToOuterDisposeScope();   // exact K is symmetric; this removes round-off only
    }

    /// <summary>A unit readout r [D] (‖r‖ = 1) drawn from N(0, I) by a generator seeded with the seed.</summary>
    /// <remarks>
    /// D and the dtype are those of f(x; θ0); r is drawn on the host (the same r on every device) and placed on
    /// f(x; θ0)'s device.
    /// </remarks>
    public static Tensor RandomUnitReadout(LinearizedModel f, Tensor x, ulong seed)
    {
        CheckSamples(x);
        Tensor y;
        using (no_grad()) y = f.Model.Forward(f.Theta0, x.narrow(0, 0, 1));                  // [1, D]
        if (y.dim() != 2)
            throw new ArgumentException($"f(x; θ0) must be [B, D] features; got [{Shape(y)}].", nameof(f));
        using var scope = NewDisposeScope();
        var r = randn([y.shape[1]], dtype: y.dtype, device: CPU, generator: new Generator(seed, CPU)).to(y.device);
        return (r / r.norm()).MoveToOuterDisposeScope();
    }

    /// <summary>Eigenvalues [N] of a symmetric kernel k, largest first, and eigenvectors [N, N] as columns.</summary>
    public static (Tensor Values, Tensor Vectors) Eigen(Tensor k)
    {
        CheckKernel(k);
        using var scope = NewDisposeScope();
        var (values, vectors) = linalg.eigh(k);                                                 // ascending
        var order = arange(values.shape[0] - 1, -1, -1, device: k.device);
        return (values.index_select(0, order).MoveToOuterDisposeScope(),
            vectors.index_select(1, order).MoveToOuterDisposeScope());
    }

    /// <summary>Each eigenvector's energy E_A = Σ_{i &lt; n} u(i)² on the first n samples; [M].</summary>
    /// <param name="vectors">Unit eigenvectors as columns, [N, M].</param>
    /// <param name="n">How many of the N samples, from the first, belong to task A (the rest to task B).</param>
    public static Tensor EnergyOnFirst(Tensor vectors, int n)
    {
        if (vectors.dim() != 2)
            throw new ArgumentException($"vectors must be [N, M] eigenvectors as columns; got [{Shape(vectors)}].",
                nameof(vectors));
        CheckSplit(n, vectors.shape[0]);
        return vectors.narrow(0, 0, n).square().sum(0L);
    }

    /// <summary>Localization = mean |2E_A − 1| over the first <paramref name="top"/> eigenvectors (1: each lives
    /// on one task, 0: each is spread evenly over both).</summary>
    /// <param name="energyOnA">E_A of each eigenvector, largest eigenvalue first (see <see cref="EnergyOnFirst"/>).
    /// </param>
    /// <param name="top">How many of the leading eigenvectors to average over.</param>
    public static double Localization(Tensor energyOnA, int top)
    {
        if (energyOnA.dim() != 1)
            throw new ArgumentException($"energyOnA must be [M], one per eigenvector; got [{Shape(energyOnA)}].",
                nameof(energyOnA));
        if (top < 1 || top > energyOnA.shape[0])
            throw new ArgumentOutOfRangeException(nameof(top),
                $"top must be between 1 and M = {energyOnA.shape[0]} eigenvectors; got {top}.");
        using var scope = NewDisposeScope();
        return (2 * energyOnA.narrow(0, 0, top) - 1).abs().mean().ToDouble();
    }

    /// <summary>
    /// The localization of eigenvectors that know nothing of the tasks: E|2E_A − 1| for a uniformly random unit vector
    /// of <paramref name="count"/> entries with A its first <paramref name="n"/> (Monte Carlo, seeded). Eigenvectors
    /// of a kernel whose sample order is arbitrary score this on average.
    /// </summary>
    public static double ChanceLocalization(int n, int count, int samples = 20_000, ulong seed = 1)
    {
        CheckSplit(n, count);
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "samples must be positive.");
        using var scope = NewDisposeScope();
        var g = new Generator(seed);
        var z = randn([samples, count], dtype: ScalarType.Float64, device: CPU, generator: g).square();
        var energyA = z.narrow(1, 0, n).sum([1]) / z.sum([1]);
        return (2 * energyA - 1).abs().mean().ToDouble();
    }

    /// <summary>Cross-task alignment ‖K_AB‖ / √(‖K_AA‖ ‖K_BB‖) (Frobenius), A the first n samples and B the rest:
    /// 0 when the two tasks' kernel blocks are decoupled.</summary>
    public static double CrossAlignment(Tensor k, int n)
    {
        CheckKernel(k);
        long count = k.shape[0];
        CheckSplit(n, count);
        using var scope = NewDisposeScope();
        double Norm(Tensor t) => t.square().sum().sqrt().ToDouble();
        var (a, b) = (k.narrow(0, 0, n), k.narrow(0, n, count - n));                           // [n, N], [N − n, N]
        return Norm(a.narrow(1, n, count - n)) / Math.Sqrt(Norm(a.narrow(1, 0, n)) * Norm(b.narrow(1, n, count - n)));
    }

    /// <summary>The normalized kernel K_ij / √(K_ii K_jj) [N, N]: the cosine of two samples' gradients.</summary>
    /// <remarks>The diagonal is clamped at 1e-30 so a sample with zero gradient gives zeros, not NaN.</remarks>
    public static Tensor Normalized(Tensor k)
    {
        CheckKernel(k);
        using var scope = NewDisposeScope();
        var d = k.diagonal().clamp_min(1e-30).sqrt();                                           // [N]
        return (k / (d.unsqueeze(1) * d.unsqueeze(0))).MoveToOuterDisposeScope();
    }

    static int CheckSamples(Tensor x)
    {
        if (x.dim() < 1 || x.shape[0] < 1)
            throw new ArgumentException($"samples x must be [N, …] with N ≥ 1; got [{Shape(x)}].", nameof(x));
        return checked((int)x.shape[0]);
    }

    static void CheckReadout(Tensor r, Tensor y, string model)
    {
        if (y.dim() != 2)
            throw new ArgumentException($"the output of {model} must be [B, D] features; got [{Shape(y)}].",
                nameof(r));
        if (r.dim() != 1 || r.shape[0] != y.shape[1])
            throw new ArgumentException(
                $"readout r must be [D] with D = {y.shape[1]}, the width of {model}'s output; got [{Shape(r)}].",
                nameof(r));
    }

    static void CheckKernel(Tensor k)
    {
        if (k.dim() != 2 || k.shape[0] != k.shape[1] || k.shape[0] < 1)
            throw new ArgumentException($"kernel k must be a square [N, N] matrix with N ≥ 1; got [{Shape(k)}].",
                nameof(k));
    }

    static void CheckSplit(int n, long count)
    {
        if (n < 1 || n >= count)
            throw new ArgumentOutOfRangeException(nameof(n),
                $"n (samples of task A) must be between 1 and N − 1 = {count - 1}; got {n}.");
    }

    static string Shape(Tensor t) => string.Join(", ", t.shape);
}
