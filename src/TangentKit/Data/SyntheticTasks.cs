using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Data;

/// <summary>
/// Generated classification tasks for the tiny preset and tests: each task has its own input domain (a task-specific
/// background pattern) and smooth class templates; examples are template + domain + noise. Seconds to make, no
/// files.
/// </summary>
public static class SyntheticTasks
{
    /// <summary>
    /// Task number <paramref name="index"/> with <paramref name="classes"/> classes of 3×size×size images, seeded; its
    /// input domain is that of task <paramref name="domain"/> (default: its own), so two tasks can share one.
    /// </summary>
    public static ImageTask Make(int index, int classes, SplitSizes sizes, int size, long seed, int? domain = null)
    {
        var g = new Generator(unchecked((ulong)(seed * 1000 + index)));
        var domainGenerator = new Generator(unchecked((ulong)(seed * 1000 + (domain ?? index) + 7919)));
        using var scope = NewDisposeScope();
        Tensor Smooth(Tensor t) => nn.functional.avg_pool2d(t, [5, 5], [1, 1], [2, 2]);
        var domainPattern = Smooth(randn([1, 3, size, size], device: CPU, generator: domainGenerator)) * 3;
        var templates = Smooth(randn([classes, 3, size, size], device: CPU, generator: g)) * 2;
        LabeledData Split(int n, bool balanced = false)
        {
            var labels = balanced ? arange(classes, device: CPU).repeat(n / classes)
                : randint(classes, [n], device: CPU, generator: g);
            var x = domainPattern + templates.index_select(0, labels)
                + 0.5 * randn([n, 3, size, size], device: CPU, generator: g);
            return new LabeledData(x, labels);
        }
        var names = Enumerable.Range(0, classes).Select(c => $"c{c}").ToList();
        return new ImageTask($"synthetic-{index}", names, Split(classes * sizes.SupportPerClass, balanced: true),
            Split(sizes.Train), Split(sizes.Validation), Split(sizes.Test)) { IsColor = true };
    }
}
