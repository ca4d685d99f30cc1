using System.Diagnostics;
using TangentKit.Data;
using TangentKit.Evaluation;
using TangentKit.Linearization;
using TangentKit.Models;
using TangentKit.TaskVectors;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Benchmarks;

/// <summary>
/// Evaluating a linearized model at every α of a grid: re-running the network per α vs the exact affine shortcut.
/// </summary>
/// <param name="Case">The case's name.</param>
/// <param name="Alphas">Grid size (21 for the paper's grid).</param>
/// <param name="DirectMs">Total ms re-running f_lin for every α.</param>
/// <param name="ShortcutMs">Total ms building the cache once and evaluating every α from it.</param>
/// <param name="MaxAccuracyDifference">Largest accuracy difference between the two (0 expected).</param>
public sealed record AffineSpeedup(string Case, int Alphas, double DirectMs, double ShortcutMs,
    double MaxAccuracyDifference)
{
    /// <summary>DirectMs / ShortcutMs.</summary>
    public double Speedup => DirectMs / ShortcutMs;
}

/// <summary>
/// Measures the speed-up of <see cref="AffineFeatureCache"/> over per-α network passes (Table 1's α search).
/// </summary>
public static class AffineShortcutBenchmark
{
    /// <summary>
    /// Both ways over <paramref name="examples"/> random inputs of the case, at every α of <paramref name="grid"/>,
    /// one after the other.
    /// </summary>
    public static AffineSpeedup Run(BenchmarkCase c, int examples, IReadOnlyList<double> grid)
    {
        var g = new Generator(1);
        using var host = c.Model.Initialize(0);
        using var theta0 = host.To(c.Device);
        using var data = new LabeledData(randn([examples, .. c.InputShape[1..]], device: CPU, generator: g),
            randint(c.Classes, [examples], device: CPU, generator: g));
        using var tau = TaskVector.FromDelta(theta0, theta0.Where(theta0.TrainableNames.ToHashSet().Contains)
            .ToDictionary(kv => kv.Key, kv => (1e-3 * randn(kv.Value.shape, device: CPU, generator: g)).to(c.Device)));
        var lin = c.Model.Linearize(theta0);
        long dim;
        using (no_grad()) dim = lin.Forward(data.Inputs.narrow(0, 0, 1)).shape[^1];
        using var head = new FrozenHead(randn([c.Classes, dim], device: CPU, generator: g).to(c.Device));
        int batch = (int)c.InputShape[0];

        var sw = Stopwatch.StartNew();
        var direct = grid.Select(a => Evaluation.Accuracy.Top1(tau.ApplyTo(lin, a).Encoder(), head, data, batch))
            .ToArray();
        double directMs = sw.Elapsed.TotalMilliseconds;

        sw.Restart();
        using var cache = AffineFeatureCache.Build(lin, data, [tau], batch);
        var shortcut = grid.Select(a => cache.Accuracy(head, [a])).ToArray();
        double shortcutMs = sw.Elapsed.TotalMilliseconds;

        return new AffineSpeedup(c.Name, grid.Count, directMs, shortcutMs,
            direct.Zip(shortcut, (x, y) => Math.Abs(x - y)).Max());
    }
}
