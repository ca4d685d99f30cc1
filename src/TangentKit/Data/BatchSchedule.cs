namespace TangentKit.Data;

/// <summary>
/// The seeded order in which training visits examples: epoch e is a permutation drawn from (seed, e), cut into
/// batches. The batch of a step depends only on (seed, step), so a resumed run sees exactly the batches an
/// uninterrupted run would.
/// </summary>
public sealed class BatchSchedule
{
    readonly long _count;
    readonly int _batchSize;
    readonly long _seed;
    long _cachedEpoch = -1;
    long[] _permutation = [];

    /// <summary>
    /// A schedule over <paramref name="count"/> examples in batches of <paramref name="batchSize"/> (the last batch
    /// of an epoch may be smaller).
    /// </summary>
    public BatchSchedule(long count, int batchSize, long seed)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "the training split is empty.");
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be positive.");
        (_count, _batchSize, _seed) = (count, batchSize, seed);
    }

    /// <summary>Batches per epoch, ⌈N / batch size⌉.</summary>
    public long BatchesPerEpoch => (_count + _batchSize - 1) / _batchSize;

    /// <summary>The example indices of training step <paramref name="step"/> (0-based).</summary>
    public long[] IndicesForStep(long step)
    {
        long epoch = step / BatchesPerEpoch, batch = step % BatchesPerEpoch;
        if (epoch != _cachedEpoch) (_permutation, _cachedEpoch) = (Permutation(epoch), epoch);
        long start = batch * _batchSize;
        return _permutation[(int)start..(int)Math.Min(start + _batchSize, _count)];
    }

    long[] Permutation(long epoch) => SeededPermutation.Draw(_count, _seed, epoch);
}
