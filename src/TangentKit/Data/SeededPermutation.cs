namespace TangentKit.Data;

/// <summary>
/// Permutations fixed by a seed across platforms and .NET versions (Fisher–Yates driven by SplitMix64).
/// </summary>
public static class SeededPermutation
{
    /// <summary>
    /// A permutation of 0 … <paramref name="count"/>−1 determined by (<paramref name="seed"/>,
    /// <paramref name="stream"/>).
    /// </summary>
    public static long[] Draw(long count, long seed, long stream = 0)
    {
        var p = new long[count];
        for (long i = 0; i < count; i++) p[i] = i;
        var rng = new SplitMix64(seed, stream);
        for (long i = count - 1; i > 0; i--)
        {
            long j = (long)(rng.Next() % (ulong)(i + 1));
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}

/// <summary>The SplitMix64 generator: tiny, fast and the same everywhere.</summary>
public sealed class SplitMix64(long seed, long stream = 0)
{
    ulong _state = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)stream * 0xD1B54A32D192ED03UL);

    /// <summary>The next 64 random bits.</summary>
    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform integer in [0, n).</summary>
    public int NextInt(int n) => (int)(Next() % (ulong)n);

    /// <summary>A uniform double in [0, 1) (53 random bits).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A <see cref="Random"/> seeded from this generator (for APIs that take one).</summary>
    public Random ToRandom() => new((int)(Next() & 0x7fffffff));
}
