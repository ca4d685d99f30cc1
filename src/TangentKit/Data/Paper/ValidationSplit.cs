namespace TangentKit.Data.Paper;

/// <summary>
/// The paper's validation rule for a task without a registered validation split (research/paper.md §3.5): of a
/// training pool of n images, v = min(int(0.1·n), 5000) drawn with a fixed seed are held out for α selection, the
/// rest are fine-tuned on. The draw uses the kit's <see cref="SeededPermutation"/>, not PyTorch's <c>randperm</c>, so
/// the sizes are the paper's but the chosen images are not bit-identical to the reference code's.
/// </summary>
public static class ValidationSplit
{
    /// <summary>The reference code's cap on the validation size.</summary>
    public const int MaxValidation = 5000;

    /// <summary>The reference code's validation fraction.</summary>
    public const double Fraction = 0.1;

    /// <summary>The seed of the draw (the reference code seeds its generator with 0).</summary>
    public const long Seed = 0;

    /// <summary>v = min(int(0.1·n), 5000), in double arithmetic as Python computes int(0.1 * n).</summary>
    public static int Size(int poolCount)
    {
        if (poolCount < 0)
            throw new ArgumentOutOfRangeException(nameof(poolCount), poolCount, "the pool size must be ≥ 0.");
        return Math.Min((int)(Fraction * poolCount), MaxValidation);
    }

    /// <summary>
    /// Splits pool positions 0 … n−1: a seeded permutation whose first n − v entries train and whose last v validate
    /// (the order of <c>random_split(pool, [n − v, v])</c>).
    /// </summary>
    public static (long[] Train, long[] Validation) Draw(int poolCount, long seed = Seed)
    {
        int v = Size(poolCount);
        var order = SeededPermutation.Draw(poolCount, seed);
        return (order[..(poolCount - v)], order[(poolCount - v)..]);
    }
}
