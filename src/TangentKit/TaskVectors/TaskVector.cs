using System.Globalization;
using TangentKit.Linearization;
using TangentKit.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.TaskVectors;

/// <summary>
/// A task vector τ = θ* − θ0 over the floating-point entries of a state dict (integer buffers such as
/// <c>num_batches_tracked</c> are skipped, as in the paper's code), with the algebra of task arithmetic:
/// addition (Table 1), negation (Table 2), scaling, inner products and cosine similarity.
/// Shown in notebooks/00-quickstart.
/// </summary>
/// <example>
/// <code>
/// using var tau = TaskVector.Between(theta0, thetaStar);        // τ = θ* − θ0
/// using var edited = (tau1 + tau2).ApplyTo(theta0, alpha: 0.4);  // task addition on the network
/// var negated = (-tau1).ApplyTo(lin, alpha: 0.6);                // task negation on f_lin
/// </code>
/// </example>
public sealed class TaskVector : IDisposable
{
    TaskVector(ParameterSet entries) => Entries = entries;

    /// <summary>The vector's entries by parameter name (owned by this vector).</summary>
    public ParameterSet Entries { get; }

    /// <summary>Number of named entries.</summary>
    public int Count => Entries.Count;

    /// <summary>
    /// τ = θ* − θ0 by name. Both sets must hold the same names with the same shapes; the error names the offenders.
    /// </summary>
    public static TaskVector Between(ParameterSet theta0, ParameterSet thetaStar)
    {
        RequireSameLayout(theta0, thetaStar, "θ0", "θ*");
        var diff = new ParameterSet();
        using var scope = NewDisposeScope();
        foreach (var (name, t0) in theta0)
            if (t0.is_floating_point()) diff.Add(name, (thetaStar[name].detach() - t0.detach()).to_type(t0.dtype));
        return new TaskVector(diff);
    }

    /// <summary>
    /// Wraps a displacement δ (e.g. the result of linear fine-tuning) as a task vector over θ0's floating-point
    /// entries: names absent from δ (buffers, frozen parameters) get zeros. δ's tensors are copied.
    /// </summary>
    public static TaskVector FromDelta(ParameterSet theta0, IReadOnlyDictionary<string, Tensor> delta)
    {
        foreach (var name in delta.Keys.Where(n => !theta0.ContainsKey(n)))
            throw new ArgumentException($"δ entry '{name}' is not a parameter of θ0.", nameof(delta));
        var entries = new ParameterSet();
        using var scope = NewDisposeScope();
        foreach (var (name, t0) in theta0)
        {
            if (!t0.is_floating_point()) continue;
            if (delta.TryGetValue(name, out var d))
            {
                if (!d.shape.SequenceEqual(t0.shape))
                    throw new ArgumentException($"δ entry '{name}' has shape [{string.Join(",", d.shape)}], " +
                        $"θ0 has [{string.Join(",", t0.shape)}].", nameof(delta));
                entries.Add(name, d.detach().clone());
            }
            else entries.Add(name, zeros_like(t0));
        }
        return new TaskVector(entries);
    }

    /// <summary>Wraps entries that already are a task vector (e.g. read from a file); takes ownership.</summary>
    public static TaskVector FromEntries(ParameterSet entries)
    {
        foreach (var (name, t) in entries)
            if (!t.is_floating_point())
                throw new ArgumentException($"task-vector entry '{name}' is {t.dtype}; task vectors hold " +
                    "floating-point tensors only.", nameof(entries));
        return new TaskVector(entries);
    }

    /// <summary>
    /// θ0 + α·τ for a standard (non-linear) model; entries of θ0 not in τ are copied unchanged. Every entry of τ
    /// must be in θ0 with its shape and dtype, and α must be finite.
    /// </summary>
    public ParameterSet ApplyTo(ParameterSet theta0, double alpha = 1.0)
    {
        RequireFinite(alpha, nameof(alpha));
        RequireSameLayout(Entries, theta0, "τ", "θ0", bMayHaveMore: true);
        return theta0.Map((name, t0) => Entries.TryGetValue(name, out var tau)
            ? (t0.detach() + alpha * tau).to_type(t0.dtype)
            : t0.detach().clone());
    }

    /// <summary>
    /// f_lin(·; θ0 + α·τ): the linearized model displaced along this vector (post-hoc linearization of a standard τ,
    /// or a linear-FT τ).
    /// </summary>
    public LinearizedModel ApplyTo(LinearizedModel linearized, double alpha = 1.0)
    {
        RequireFinite(alpha, nameof(alpha));
        RequireSameLayout(Entries, linearized.Theta0, "τ", "θ0", bMayHaveMore: true);
        return linearized.WithDelta((alpha * this).Entries);
    }

    /// <summary>Sum by name; both vectors must have the same names, shapes and dtypes.</summary>
    public static TaskVector operator +(TaskVector a, TaskVector b) => Combine(a, b, (x, y) => x + y);

    /// <summary>Difference by name.</summary>
    public static TaskVector operator -(TaskVector a, TaskVector b) => Combine(a, b, (x, y) => x - y);

    /// <summary>Negation −τ (task negation, Table 2).</summary>
    public static TaskVector operator -(TaskVector a) => new(a.Entries.Map((_, t) => -t));

    /// <summary>Scaling α·τ (α finite).</summary>
    public static TaskVector operator *(double alpha, TaskVector a)
    {
        RequireFinite(alpha, nameof(alpha));
        return new(a.Entries.Map((_, t) => alpha * t));
    }

    /// <summary>Scaling τ·α.</summary>
    public static TaskVector operator *(TaskVector a, double alpha) => alpha * a;

    /// <summary>Σ_t τ_t (the multi-task vector of Table 1).</summary>
    public static TaskVector Sum(IEnumerable<TaskVector> vectors)
    {
        var list = vectors.ToList();
        if (list.Count == 0) throw new ArgumentException("cannot sum an empty list of task vectors.", nameof(vectors));
        for (int i = 1; i < list.Count; i++) RequireSameLayout(list[0].Entries, list[i].Entries, "τ_1", $"τ_{i + 1}");
        var total = new TaskVector(list[0].Entries.Clone());
        foreach (var v in list.Skip(1))
        {
            using var noGrad = no_grad();
            foreach (var (name, t) in v.Entries) total.Entries[name].add_(t);
        }
        return total;
    }

    /// <summary>Inner product ⟨a, b⟩ over all entries (in float64).</summary>
    public static double Dot(TaskVector a, TaskVector b)
    {
        RequireSameLayout(a.Entries, b.Entries, "a", "b");
        using var scope = NewDisposeScope();
        double sum = 0;
        foreach (var (name, t) in a.Entries)
            sum += (t.to_type(ScalarType.Float64) * b.Entries[name].to_type(ScalarType.Float64)).sum().item<double>();
        return sum;
    }

    /// <summary>L2 norm ‖τ‖.</summary>
    public double Norm() => Math.Sqrt(Dot(this, this));

    /// <summary>Cosine similarity ⟨a, b⟩ / (‖a‖‖b‖) (the task-vector similarity matrix).</summary>
    public static double Cosine(TaskVector a, TaskVector b) => Dot(a, b) / (a.Norm() * b.Norm());

    /// <summary>
    /// Writes the vector as safetensors (readable by <c>safetensors.torch.load_file</c>) or a .pt state dict, under its
    /// state-dict names with <paramref name="prefix"/> in front (<c>visual.</c> for a CLIP image tower's τ in full-dict
    /// names) and, when <paramref name="dtype"/> is given, in that dtype (float32 for open_clip).
    /// </summary>
    public void Save(string path, string prefix = "", ScalarType? dtype = null) =>
        ParameterFiles.Save(Entries, path, prefix, dtype);

    /// <summary>
    /// Reads a vector written by <see cref="Save"/> (or by PyTorch) onto <paramref name="device"/> (default: the host).
    /// </summary>
    public static TaskVector Load(string path, Device? device = null)
    {
        var entries = ParameterFiles.Load(path);
        if (device is not null && device.type != DeviceType.CPU)
            using (var host = entries) entries = host.To(device);
        if (entries.FirstOrDefault(kv => !kv.Value.is_floating_point()) is { Key: not null } bad)
        {
            var message = $"{path}: entry '{bad.Key}' is {bad.Value.dtype}; a task-vector file holds " +
                "floating-point tensors only (is this a state dict rather than a task vector?).";
            entries.Dispose();
            throw new InvalidDataException(message);
        }
        return new TaskVector(entries);
    }

    /// <summary>Frees the entries.</summary>
    public void Dispose() => Entries.Dispose();

    static TaskVector Combine(TaskVector a, TaskVector b, Func<Tensor, Tensor, Tensor> op)
    {
        RequireSameLayout(a.Entries, b.Entries, "left", "right");
        return new(a.Entries.Map((name, t) => op(t, b.Entries[name])));
    }

    // Same names (b may hold more, e.g. θ0's integer buffers, when bMayHaveMore), shapes and dtypes: libtorch
    // would broadcast or promote a mismatch silently, or fail with sizes that name no parameter.
    static void RequireSameLayout(ParameterSet a, ParameterSet b, string aName, string bName, bool bMayHaveMore = false)
    {
        var onlyA = a.Names.Where(n => !b.ContainsKey(n)).ToList();
        var onlyB = bMayHaveMore ? [] : b.Names.Where(n => !a.ContainsKey(n)).ToList();
        var shapes = new List<string>();
        var dtypes = new List<string>();
        foreach (var (n, t) in a)
        {
            if (!b.TryGetValue(n, out var u)) continue;
            var (ta, tb) = (t.shape, u.shape);
            if (!ta.SequenceEqual(tb)) shapes.Add($"{n} [{string.Join(",", ta)}] vs [{string.Join(",", tb)}]");
            if (t.dtype != u.dtype) dtypes.Add($"{n} {t.dtype} vs {u.dtype}");
        }
        if (onlyA.Count + onlyB.Count + shapes.Count + dtypes.Count == 0) return;
        static string List(IEnumerable<string> xs) => string.Join(", ", xs.Take(6)) + (xs.Count() > 6 ? ", …" : "");
        throw new ArgumentException($"{aName} and {bName} do not match:" +
            (onlyA.Count > 0 ? $" only in {aName}: {List(onlyA)};" : "") +
            (onlyB.Count > 0 ? $" only in {bName}: {List(onlyB)};" : "") +
            (shapes.Count > 0 ? $" shapes differ: {List(shapes)};" : "") +
            (dtypes.Count > 0 ? $" dtypes differ: {List(dtypes)};" : ""));
    }

    static void RequireFinite(double alpha, string paramName)
    {
        if (!double.IsFinite(alpha))
            throw new ArgumentException(
                $"α must be a finite number; got {alpha.ToString(CultureInfo.InvariantCulture)}.", paramName);
    }
}
