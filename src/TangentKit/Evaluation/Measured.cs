namespace TangentKit.Evaluation;

/// <summary>
/// A statistic and its bootstrap replicates. Every <see cref="Measured"/> of a reproduction resamples a task's examples
/// with the same draws (see <see cref="Bootstrap"/>), so differences, ratios and averages computed replicate by
/// replicate are paired, and their percentile intervals are the intervals of the derived statistic.
/// </summary>
/// <param name="Value">The statistic on the examples as measured.</param>
/// <param name="Replicates">The statistic on each bootstrap resample.</param>
public sealed record Measured(double Value, float[] Replicates)
{
    /// <summary>Lower end of the 95 % percentile interval (NaN without replicates).</summary>
    public double Low => Percentile(0.025);

    /// <summary>Upper end of the 95 % percentile interval (NaN without replicates).</summary>
    public double High => Percentile(0.975);

    /// <summary>A constant (no uncertainty): every replicate equals <paramref name="value"/>.</summary>
    public static Measured Exact(double value, int replicates = Bootstrap.DefaultResamples) =>
        new(value, Enumerable.Repeat((float)value, replicates).ToArray());

    /// <summary>The paired difference <paramref name="a"/> − <paramref name="b"/>.</summary>
    public static Measured operator -(Measured a, Measured b) => Combine(a, b, (x, y) => x - y);

    /// <summary>The paired ratio <paramref name="a"/> / <paramref name="b"/>.</summary>
    public static Measured operator /(Measured a, Measured b) => Combine(a, b, (x, y) => x / y);

    /// <summary>The replicate-wise mean of <paramref name="values"/> (e.g. an average over tasks).</summary>
    public static Measured Mean(IEnumerable<Measured> values)
    {
        var list = values.ToList();
        if (list.Count == 0) throw new ArgumentException("the mean of no measurements is undefined.", nameof(values));
        int b = Length(list);
        var replicates = new float[b];
        for (int r = 0; r < b; r++) replicates[r] = (float)list.Average(m => (double)m.Replicates[r]);
        return new Measured(list.Average(m => m.Value), replicates);
    }

    /// <summary>"v [low, high]" with the values scaled by <paramref name="scale"/> (100 for percent).</summary>
    public string Format(double scale = 100, string format = "F1") =>
        $"{(Value * scale).ToString(format)} [{(Low * scale).ToString(format)}, {(High * scale).ToString(format)}]";

    double Percentile(double q)
    {
        if (Replicates.Length == 0) return double.NaN;
        var sorted = Replicates.Select(r => (double)r).Order().ToArray();
        double position = q * (sorted.Length - 1);
        int lower = (int)Math.Floor(position);
        int upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]);
    }

    static Measured Combine(Measured a, Measured b, Func<double, double, double> f)
    {
        int n = Length([a, b]);
        var replicates = new float[n];
        for (int r = 0; r < n; r++) replicates[r] = (float)f(a.Replicates[r], b.Replicates[r]);
        return new Measured(f(a.Value, b.Value), replicates);
    }

    static int Length(IReadOnlyList<Measured> values)
    {
        int n = values[0].Replicates.Length;
        if (values.Any(v => v.Replicates.Length != n))
            throw new ArgumentException(
                "measurements with different numbers of bootstrap replicates cannot be paired.");
        return n;
    }
}

/// <summary>
/// Percentile bootstrap over test examples. The resamples of a set of n examples are fixed by its name and n, so two
/// statistics of the same examples (two methods on one task's test split) are resampled identically: paired.
/// </summary>
public static class Bootstrap
{
    /// <summary>Resamples per statistic.</summary>
    public const int DefaultResamples = 1000;

    /// <summary>
    /// Accuracy (fraction of true <paramref name="hits"/>) with its replicates over resamples of the examples named
    /// <paramref name="examples"/> (e.g. "mnist/test").
    /// </summary>
    public static Measured Accuracy(IReadOnlyList<bool> hits, string examples, int resamples = DefaultResamples)
    {
        if (hits.Count == 0) throw new ArgumentException($"{examples}: no examples to measure.", nameof(hits));
        var values = hits.Select(h => h ? 1.0 : 0.0).ToArray();
        return Mean(values, examples, resamples);
    }

    /// <summary>The mean of per-example <paramref name="values"/> with replicates over resamples of them.</summary>
    public static Measured Mean(IReadOnlyList<double> values, string examples, int resamples = DefaultResamples)
    {
        var replicates = new float[resamples];
        int n = values.Count;
        for (int r = 0; r < resamples; r++)
        {
            double sum = 0;
            foreach (var i in Resample(examples, n, r)) sum += values[i];
            replicates[r] = (float)(sum / n);
        }
        return new Measured(values.Average(), replicates);
    }

    /// <summary>
    /// The indices (with repetition) of resample <paramref name="replicate"/> of the <paramref name="count"/> examples
    /// named <paramref name="examples"/>.
    /// </summary>
    public static int[] Resample(string examples, int count, int replicate)
    {
        var rng = new Data.SplitMix64(StableHash(examples) ^ count, stream: replicate);
        var indices = new int[count];
        for (int i = 0; i < count; i++) indices[i] = rng.NextInt(count);
        return indices;
    }

    // FNV-1a over UTF-16 code units: the same on every run and platform (string.GetHashCode is randomized).
    static long StableHash(string text)
    {
        ulong h = 14695981039346656037;
        foreach (char c in text) h = (h ^ c) * 1099511628211;
        return (long)h;
    }
}
