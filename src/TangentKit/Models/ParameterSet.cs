using System.Collections;
using TangentKit.Autodiff;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Models;

/// <summary>
/// An ordered set of named tensors in PyTorch state-dict naming (<c>layer1.0.conv1.weight</c>,
/// <c>bn1.running_mean</c>, …): θ0, θ*, a displacement δ or Adam moments. Buffers (batch-norm statistics, counters)
/// are marked and never trained.
/// Owns its tensors: they live outside dispose scopes until <see cref="Dispose"/>.
/// </summary>
public sealed class ParameterSet : IReadOnlyDictionary<string, Tensor>, IDisposable
{
    readonly List<string> _names = [];
    readonly Dictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);
    readonly HashSet<string> _buffers = new(StringComparer.Ordinal);

    /// <summary>Adds a tensor under <paramref name="name"/> (taking ownership); buffers are not trained.</summary>
    public ParameterSet Add(string name, Tensor tensor, bool isBuffer = false)
    {
        if (_tensors.ContainsKey(name))
            throw new ArgumentException($"parameter '{name}' is already in the set.", nameof(name));
        _names.Add(name);
        _tensors[name] = tensor.DetachFromDisposeScope();
        if (isBuffer) _buffers.Add(name);
        return this;
    }

    /// <summary>
    /// Adds copies of <paramref name="entries"/> made by <paramref name="copy"/> (e.g.
    /// <c>t =&gt; t.detach().clone()</c>).
    /// </summary>
    public ParameterSet AddAll(IEnumerable<KeyValuePair<string, Tensor>> entries, Func<Tensor, Tensor> copy)
    {
        foreach (var (name, t) in entries) Add(name, copy(t));
        return this;
    }

    /// <summary>The tensor called <paramref name="name"/>; the error lists close names when it is missing.</summary>
    public Tensor this[string name] => _tensors.TryGetValue(name, out var t) ? t
        : throw new KeyNotFoundException(
            $"no parameter '{name}' in this set of {Count} (names start: {string.Join(", ", _names.Take(5))}…).");

    /// <summary>Names in insertion (state-dict) order.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>True for buffers (not trained).</summary>
    public bool IsBuffer(string name) => _buffers.Contains(name);

    /// <summary>Names of the trainable entries: floating-point, not buffers.</summary>
    public IEnumerable<string> TrainableNames =>
        _names.Where(n => !_buffers.Contains(n) && _tensors[n].is_floating_point());

    /// <summary>Total number of scalars in trainable entries (the paper's parameter count).</summary>
    public long TrainableCount => TrainableNames.Sum(n => _tensors[n].numel());

    /// <summary>A lookup of constants (plain forward f(x; θ)).</summary>
    public ParameterLookup Lookup() => name => new Dual(this[name], null);

    /// <summary>
    /// A dual lookup (θ[name], δ[name]): entries missing from <paramref name="tangents"/> get a zero tangent.
    /// </summary>
    public ParameterLookup DualLookup(IReadOnlyDictionary<string, Tensor> tangents) =>
        name => new Dual(this[name], tangents.TryGetValue(name, out var t) ? t : null);

    /// <summary>A new set with <paramref name="map"/> applied to every tensor (same names and buffer marks).</summary>
    public ParameterSet Map(Func<string, Tensor, Tensor> map)
    {
        var result = new ParameterSet();
        using var scope = NewDisposeScope();
        foreach (var n in _names) result.Add(n, map(n, _tensors[n]), _buffers.Contains(n));
        return result;
    }

    /// <summary>A deep copy, detached from any autograd graph.</summary>
    public ParameterSet Clone() => Map((_, t) => t.detach().clone());

    /// <summary>
    /// A copy on <paramref name="device"/> and/or in <paramref name="dtype"/> (only floating-point entries change
    /// dtype).
    /// </summary>
    public ParameterSet To(Device? device = null, ScalarType? dtype = null) => Map((_, t) =>
    {
        var moved = device is null ? t : t.to(device);
        return (dtype is { } d && t.is_floating_point() ? moved.to_type(d) : moved).detach().clone();
    });

    /// <summary>The device of the set's tensors (of its first entry; CPU for an empty set).</summary>
    public Device Device => _names.Count == 0 ? CPU : _tensors[_names[0]].device;

    /// <summary>Zeros shaped like the trainable entries (the δ = 0 start of linearized fine-tuning).</summary>
    public ParameterSet ZerosLikeTrainable()
    {
        var result = new ParameterSet();
        foreach (var n in TrainableNames) result.Add(n, zeros_like(_tensors[n]));
        return result;
    }

    /// <summary>
    /// The sub-set of entries whose names satisfy <paramref name="keep"/>, sharing (not copying) the tensors.
    /// </summary>
    public IEnumerable<KeyValuePair<string, Tensor>> Where(Func<string, bool> keep) =>
        _names.Where(keep).Select(n => new KeyValuePair<string, Tensor>(n, _tensors[n]));

    /// <summary>Number of entries.</summary>
    public int Count => _names.Count;
    /// <summary>Names in order.</summary>
    public IEnumerable<string> Keys => _names;
    /// <summary>Tensors in name order.</summary>
    public IEnumerable<Tensor> Values => _names.Select(n => _tensors[n]);
    /// <summary>True if an entry is called <paramref name="key"/>.</summary>
    public bool ContainsKey(string key) => _tensors.ContainsKey(key);
    /// <summary>Looks an entry up without throwing.</summary>
    public bool TryGetValue(string key, out Tensor value) => _tensors.TryGetValue(key, out value!);
    /// <summary>Entries in name order.</summary>
    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() =>
        _names.Select(n => new KeyValuePair<string, Tensor>(n, _tensors[n])).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Frees every tensor of the set.</summary>
    public void Dispose()
    {
        foreach (var t in _tensors.Values) t.Dispose();
        _tensors.Clear();
        _names.Clear();
    }
}
