using TangentKit.Data;
using TangentKit.Linearization;
using TangentKit.Evaluation;
using TangentKit.Models;
using TangentKit.TaskVectors;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Evaluation;

/// <summary>
/// Logits and accuracy of an edited model θ0 + Σ_t α_t τ_t (one α per edited task, in task order) on any task's split,
/// for one backbone and <see cref="EditMode"/>. Linear and post-hoc modes use <see cref="AffineFeatureCache"/> (one JVP
/// pass per task vector and split, then every α is free); the standard mode re-runs the network, reusing the last
/// edited θ.
/// Shown in notebooks/09-what-if and every table notebook.
/// </summary>
public sealed class EditedEvaluator : IDisposable
{
    readonly LinearizedModel _linearized;
    readonly IReadOnlyDictionary<string, FrozenHead> _heads;
    readonly IReadOnlyList<TaskVector> _vectors;
    readonly Dictionary<(string, SplitKind, int), AffineFeatureCache> _caches = [];
    readonly Dictionary<(string, SplitKind, int), LabeledData> _subsets = [];
    string? _thetaKey, _lastEdit;
    ParameterSet? _theta;
    readonly System.Diagnostics.Stopwatch _passClock = new();
    long _networkPasses, _edits, _cachedEvaluations;

    /// <summary>
    /// An evaluator of edits of <paramref name="linearized"/>'s θ0 along <paramref name="vectors"/> (one per edited
    /// task) in
    /// <paramref name="mode"/>; each task is read through its frozen head in <paramref name="heads"/> (by task name).
    /// </summary>
    public EditedEvaluator(LinearizedModel linearized, IReadOnlyDictionary<string, FrozenHead> heads, EditMode mode,
        IReadOnlyList<TaskVector> vectors) => (_linearized, _heads, Mode, _vectors) = (linearized, heads, mode,
            vectors);

    /// <summary>The mode evaluated.</summary>
    public EditMode Mode { get; }

    /// <summary>
    /// Logits of <paramref name="task"/>'s split (its first <paramref name="limit"/> examples, 0 = all) under its own
    /// head.
    /// </summary>
    public Tensor Logits(ImageTask task, SplitKind split, IReadOnlyList<double> alphas, int limit = 0)
    {
        if (alphas.Count != _vectors.Count)
            throw new ArgumentException($"{alphas.Count} coefficients for {_vectors.Count} task vectors.",
                nameof(alphas));
        if (Mode == EditMode.Standard) return LogitsOfEach([task], split, alphas, limit)[0];
        var head = Head(task);
        var data = Data(task, split, limit);
        using var s = NewDisposeScope();
        _cachedEvaluations++;
        if (limit > 0 && _caches.TryGetValue((task.Name, split, 0), out var whole))       // a slice of the whole split
            return head.Logits(whole.Features(alphas).narrow(0, 0, data.Count)).MoveToOuterDisposeScope();
        var key = (task.Name, split, limit);
        if (!_caches.TryGetValue(key, out var cache))
        {
            _passClock.Start();
            _caches[key] = cache = AffineFeatureCache.Build(_linearized, data, _vectors);
            _passClock.Stop();
            _networkPasses += (long)data.Count * Math.Max(1, _vectors.Count);
        }
        return head.Logits(cache.Features(alphas)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Logits of each of <paramref name="tasks"/>' splits (first <paramref name="limit"/> examples, 0 = all) under
    /// its own head, at one edit. In standard mode the tasks' examples go through the edited network together, in
    /// batches of 256 (Figures 3–4 evaluate two tasks at every grid point); other modes read their caches.
    /// </summary>
    public IReadOnlyList<Tensor> LogitsOfEach(IReadOnlyList<ImageTask> tasks, SplitKind split,
        IReadOnlyList<double> alphas, int limit = 0)
    {
        if (Mode != EditMode.Standard) return tasks.Select(t => Logits(t, split, alphas, limit)).ToList();
        if (alphas.Count != _vectors.Count)
            throw new ArgumentException($"{alphas.Count} coefficients for {_vectors.Count} task vectors.",
                nameof(alphas));
        var heads = tasks.Select(Head).ToList();
        var data = tasks.Select(t => Data(t, split, limit)).ToList();
        _passClock.Start();
        var encoder = _linearized.Model.Encoder(Theta(alphas));
        using var scope = NewDisposeScope();
        var features = new List<Tensor>();
        long total = data.Sum(d => d.Count);
        // Each batch in its own scope: its copy on the model's device is freed with it.
        Tensor Encode(Tensor x)
        {
            using var batch = NewDisposeScope();
            return encoder(x).MoveToOuterDisposeScope();
        }
        if (data.Any(d => d.IsStreamed) || total > 4096)        // large or decoded from disk: task after task
            foreach (var d in data)
                foreach (var (x, y) in d.Batches(256))
                    using (x) using (y) features.Add(Encode(x));
        else                                                    // small: the tasks' examples share batches
        {
            var inputs = data.Count == 1 ? data[0].Inputs : cat(data.Select(d => d.Inputs).ToList(), 0);
            for (long start = 0; start < total; start += 256)
                features.Add(Encode(inputs.narrow(0, start, Math.Min(256, total - start))));
        }
        var all = cat(features, 0);
        var logits = new List<Tensor>(tasks.Count);
        long offset = 0;
        for (int i = 0; i < tasks.Count; i++)
        {
            logits.Add(heads[i].Logits(all.narrow(0, offset, data[i].Count)).MoveToOuterDisposeScope());
            offset += data[i].Count;
        }
        _passClock.Stop();
        _networkPasses += total;
        return logits;
    }

    /// <summary>
    /// What the evaluations so far cost: examples passed through the network (standard mode: one per example and
    /// edit; linear and post-hoc: one JVP pass per example and task vector, building the caches), the time spent in
    /// them (standard mode: with building each edited θ), and how many edits were evaluated (each from the caches in
    /// linear and post-hoc modes).
    /// </summary>
    public EvaluationThroughput Throughput => new(Mode, _networkPasses, _passClock.Elapsed.TotalSeconds,
        Mode == EditMode.Standard ? _edits : _cachedEvaluations);

    FrozenHead Head(ImageTask task)
    {
        if (_heads.TryGetValue(task.Name, out var head)) return head;
        var known = string.Join(", ", _heads.Keys);
        throw new ArgumentException($"no frozen head for task '{task.Name}'; heads: {known}.", nameof(task));
    }

    /// <summary>Top-1 accuracy of the edited model on <paramref name="task"/>'s split.</summary>
    public double Accuracy(ImageTask task, SplitKind split, IReadOnlyList<double> alphas)
    {
        using var logits = Logits(task, split, alphas);
        return TangentKit.Evaluation.Accuracy.Top1(logits, Data(task, split, 0).Labels);
    }

    /// <summary>
    /// Per-example correctness of the edited model on <paramref name="task"/>'s split (for bootstrap intervals).
    /// </summary>
    public bool[] Hits(ImageTask task, SplitKind split, IReadOnlyList<double> alphas)
    {
        using var logits = Logits(task, split, alphas);
        using var correct = logits.argmax(-1).eq(Data(task, split, 0).Labels.OnDeviceOf(logits));
        return correct.cpu().data<bool>().ToArray();
    }

    /// <summary>Test accuracy with its bootstrap replicates over <paramref name="task"/>'s split.</summary>
    public Measured Measure(ImageTask task, SplitKind split, IReadOnlyList<double> alphas) =>
        Bootstrap.Accuracy(Hits(task, split, alphas), $"{task.Name}/{split}");

    /// <summary>Coefficients with <paramref name="alpha"/> at every task (Table 1's single shared α).</summary>
    public IReadOnlyList<double> All(double alpha) => Enumerable.Repeat(alpha, _vectors.Count).ToArray();

    /// <summary>Coefficients with <paramref name="alpha"/> at task <paramref name="index"/> and 0 elsewhere.</summary>
    public IReadOnlyList<double> Only(int index, double alpha)
    {
        var a = new double[_vectors.Count];
        a[index] = alpha;
        return a;
    }

    LabeledData Data(ImageTask task, SplitKind split, int limit)
    {
        var full = split == SplitKind.Validation ? task.Validation : task.Test;
        if (limit <= 0 || limit >= full.Count) return full;
        var key = (task.Name, split, limit);
        if (!_subsets.TryGetValue(key, out var subset))
            _subsets[key] = subset = full.Take(limit);     // in memory: the ξ maps read it at every grid point
        return subset;
    }

    ParameterSet Theta(IReadOnlyList<double> alphas)
    {
        var key = string.Join(",", alphas.Select(a => a.ToString("R")));
        if (key != _lastEdit) (_lastEdit, _edits) = (key, _edits + 1);
        if (alphas.All(a => a == 0)) return _linearized.Theta0;                 // θ0 itself: no copy
        if (key == _thetaKey && _theta is not null) return _theta;
        _theta?.Dispose();
        _theta = _linearized.Theta0.Map((name, t0) =>
        {
            if (!t0.is_floating_point()) return t0.clone();
            var t = t0.detach().clone();
            for (int i = 0; i < _vectors.Count; i++)
                if (alphas[i] != 0) t.add_(_vectors[i].Entries[name], alpha: alphas[i]);
            return t;
        });
        _thetaKey = key;
        return _theta;
    }

    /// <summary>Frees caches, subsets and the last edited θ (the task vectors belong to the suite).</summary>
    public void Dispose()
    {
        foreach (var c in _caches.Values) c.Dispose();
        foreach (var s in _subsets.Values) s.Dispose();
        _theta?.Dispose();
    }
}

/// <summary>The cost of an <see cref="EditedEvaluator"/>'s evaluations so far.</summary>
/// <param name="Mode">The evaluator's mode.</param>
/// <param name="NetworkPasses">
/// Examples passed through the network: one per example and edit (standard), one JVP pass per example and task vector
/// (linear, post-hoc: the caches).
/// </param>
/// <param name="Seconds">Time spent in those passes (standard mode: with building each edited θ).</param>
/// <param name="Edits">Edits evaluated (distinct θ in standard mode; evaluations from the caches otherwise).</param>
public sealed record EvaluationThroughput(EditMode Mode, long NetworkPasses, double Seconds, long Edits)
{
    /// <summary>Network passes per second (NaN before any).</summary>
    public double PassesPerSecond => Seconds > 0 ? NetworkPasses / Seconds : double.NaN;
}
