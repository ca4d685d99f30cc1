using TangentKit.Data;
using TangentKit.Linearization;
using TangentKit.Models;
using TangentKit.TaskVectors;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Evaluation;

/// <summary>
/// The exact shortcut for linearized and post-hoc models: their features are affine in the task-vector coefficients,
/// f_lin(x; θ0 + Σ α_t τ_t) = f(x; θ0) + Σ α_t J(x; θ0)·τ_t. Caching f(x; θ0) and every J·τ_t once per input makes any
/// α (the 21-point grid of Tables 1–2, the α1×α2 grid of Figures 3–4, a notebook slider) cost no network pass.
/// Shown in notebooks/00-quickstart and 09-what-if.
/// </summary>
public sealed class AffineFeatureCache : IDisposable
{
    AffineFeatureCache(Tensor baseFeatures, Tensor[] directions, Tensor labels)
    {
        BaseFeatures = baseFeatures.DetachFromDisposeScope();
        Directions = directions.Select(d => d.DetachFromDisposeScope()).ToArray();
        Labels = labels.DetachFromDisposeScope();
    }

    /// <summary>f(x; θ0) for every cached input, [N, D].</summary>
    public Tensor BaseFeatures { get; }

    /// <summary>J(x; θ0)·τ_t for every task vector t, each [N, D].</summary>
    public IReadOnlyList<Tensor> Directions { get; }

    /// <summary>Labels of the cached inputs.</summary>
    public Tensor Labels { get; }

    /// <summary>
    /// Caches f(x; θ0) and J·τ_t over <paramref name="data"/>: one pass with tangents per task vector.
    /// </summary>
    /// <example>
    /// <code>
    /// using var cache = AffineFeatureCache.Build(lin, task.Validation, [tau1, tau2]);
    /// double acc = cache.Accuracy(head, [0.3, 0.5]);     // f(x; θ0) + 0.3 J τ1 + 0.5 J τ2, no network pass
    /// </code>
    /// </example>
    public static AffineFeatureCache Build(LinearizedModel linearized, LabeledData data,
        IReadOnlyList<TaskVector> taskVectors, int batchSize = 256)
    {
        using var noGrad = no_grad();
        var bases = new List<Tensor>();
        var dirs = taskVectors.Select(_ => new List<Tensor>()).ToArray();
        using var scope = NewDisposeScope();
        foreach (var (x, y) in data.Batches(batchSize))
        using (x) using (y)                                    // a streamed batch owns its memory: free it now
        using (NewDisposeScope())                              // and the batch's copy on the model's device
        {
            if (taskVectors.Count == 0) bases.Add(linearized.ForwardPair(x, null).Primal.MoveToOuterDisposeScope());
            for (int t = 0; t < taskVectors.Count; t++)
            {
                var (y0, jv) = linearized.ForwardPair(x, taskVectors[t].Entries);
                if (t == 0) bases.Add(y0.MoveToOuterDisposeScope());
                dirs[t].Add((jv ?? zeros_like(y0)).MoveToOuterDisposeScope());
            }
        }
        return new AffineFeatureCache(cat(bases, 0), dirs.Select(d => cat(d, 0)).ToArray(), data.Labels.clone());
    }

    /// <summary>f(x; θ0) + Σ_t α_t J·τ_t for all cached inputs.</summary>
    public Tensor Features(IReadOnlyList<double> alphas)
    {
        if (alphas.Count != Directions.Count)
            throw new ArgumentException($"{alphas.Count} coefficients for {Directions.Count} cached task vectors.",
                nameof(alphas));
        var f = BaseFeatures.clone();
        for (int t = 0; t < alphas.Count; t++) f.add_(Directions[t], alpha: alphas[t]);
        return f;
    }

    /// <summary>Top-1 accuracy through <paramref name="head"/> at coefficients <paramref name="alphas"/>.</summary>
    public double Accuracy(FrozenHead head, IReadOnlyList<double> alphas)
    {
        using var scope = NewDisposeScope();
        return Evaluation.Accuracy.Top1(head.Logits(Features(alphas)), Labels);
    }

    /// <summary>Frees the cached tensors.</summary>
    public void Dispose()
    {
        BaseFeatures.Dispose();
        foreach (var d in Directions) d.Dispose();
        Labels.Dispose();
    }
}
