using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Data;

/// <summary>An in-memory labeled split: inputs [N, …] and int64 class labels [N]. Owns its tensors.</summary>
public sealed class LabeledData : IDisposable
{
    /// <summary>
    /// Wraps <paramref name="inputs"/> and <paramref name="labels"/> (taking ownership); they must have the same
    /// length.
    /// </summary>
    public LabeledData(Tensor inputs, Tensor labels)
    {
        if (labels.dim() != 1 || inputs.shape[0] != labels.shape[0])
            throw new ArgumentException($"inputs [{string.Join(",", inputs.shape)}] and " +
                $"labels [{string.Join(",", labels.shape)}] must have the same first dimension, " +
                "labels one-dimensional.");
        if (labels.dtype != ScalarType.Int64)
            throw new ArgumentException($"labels must be int64 class indices, not {labels.dtype}.", nameof(labels));
        Inputs = inputs.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
    }

    /// <summary>Inputs [N, …].</summary>
    public Tensor Inputs { get; }

    /// <summary>Class indices [N].</summary>
    public Tensor Labels { get; }

    /// <summary>Number of examples N.</summary>
    public long Count => Labels.shape[0];

    /// <summary>The examples at <paramref name="indices"/> (a new, owned copy).</summary>
    public LabeledData Select(Tensor indices) => new(Inputs.index_select(0, indices), Labels.index_select(0, indices));

    /// <summary>Consecutive batches in order (evaluation): views into this split, valid while it lives.</summary>
    public IEnumerable<(Tensor Inputs, Tensor Labels)> Batches(int batchSize)
    {
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be positive.");
        for (long start = 0; start < Count; start += batchSize)
        {
            long n = Math.Min(batchSize, Count - start);
            yield return (Inputs.narrow(0, start, n), Labels.narrow(0, start, n));
        }
    }

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        Inputs.Dispose();
        Labels.Dispose();
    }
}
