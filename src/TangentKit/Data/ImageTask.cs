namespace TangentKit.Data;

/// <summary>
/// Sizes of the splits of a task: train, validation and test examples, and support images per class (the images the
/// frozen head is built from, never used for fine-tuning, validation or test).
/// </summary>
public sealed record SplitSizes(int Train, int Validation, int Test, int SupportPerClass = 16);

/// <summary>
/// A classification task ready for the backbone: name, class names and seeded, disjoint support / train / validation /
/// test splits (support for the frozen head, train for fine-tuning, validation for α selection, test for reporting).
/// </summary>
public sealed class ImageTask(string name, IReadOnlyList<string> classes, LabeledData support, LabeledData train,
    LabeledData validation, LabeledData test) : IDisposable
{
    /// <summary>Short name, e.g. <c>mnist</c>.</summary>
    public string Name { get; } = name;

    /// <summary>Class names in label order.</summary>
    public IReadOnlyList<string> Classes { get; } = classes;

    /// <summary>True when the images are in color (false: gray replicated to three channels).</summary>
    public bool IsColor { get; init; }

    /// <summary>k images per class from which the frozen head is built (the analogue of the class texts).</summary>
    public LabeledData Support { get; } = support;

    /// <summary>Fine-tuning split.</summary>
    public LabeledData Train { get; } = train;

    /// <summary>Split on which α, steps and learning rate are chosen.</summary>
    public LabeledData Validation { get; } = validation;

    /// <summary>Split on which results are reported.</summary>
    public LabeledData Test { get; } = test;

    /// <summary>
    /// Draws disjoint splits with a seed: support (the first <see cref="SplitSizes.SupportPerClass"/> images of each
    /// class in a seeded order), then train and validation from <paramref name="pool"/>, test from
    /// <paramref name="testPool"/> (or also from <paramref name="pool"/> when there is no separate test pool). Errors
    /// name the task and the shortfall.
    /// </summary>
    public static ImageTask FromPool(string name, IReadOnlyList<string> classes, IImagePool pool, IImagePool? testPool,
        SplitSizes sizes, long seed, int imageSize, IReadOnlyList<float> channelMeans)
    {
        int support = sizes.SupportPerClass * classes.Count;
        int needFromPool = support + sizes.Train + sizes.Validation + (testPool is null ? sizes.Test : 0);
        if (pool.Count < needFromPool)
            throw new ArgumentException(
                $"task {name}: {pool.Count} images, {needFromPool} needed for the requested splits.");
        if (testPool is not null && testPool.Count < sizes.Test)
            throw new ArgumentException($"task {name}: {testPool.Count} test images, {sizes.Test} needed.");
        var order = SeededPermutation.Draw(pool.Count, seed);
        var (supportIdx, rest) = TakePerClass(order, pool.Labels, classes.Count, sizes.SupportPerClass, name);
        long[] trainIdx = rest[..sizes.Train], valIdx = rest[sizes.Train..(sizes.Train + sizes.Validation)];
        var testSource = testPool ?? pool;
        long[] testIdx = testPool is null
            ? rest[(sizes.Train + sizes.Validation)..(sizes.Train + sizes.Validation + sizes.Test)]
            : SeededPermutation.Draw(testPool.Count, seed, stream: 1)[..sizes.Test];
        LabeledData Split(IImagePool from, long[] idx)
        {
            var labels = idx.Select(i => from.Labels[i]).ToArray();
            return new LabeledData(from.ToBackboneInput(idx, imageSize, channelMeans), TorchSharp.torch.tensor(labels,
                device: TorchSharp.torch.CPU));
        }
        return new ImageTask(name, classes, Split(pool, supportIdx), Split(pool, trainIdx), Split(pool, valIdx),
            Split(testSource, testIdx)) { IsColor = pool is not GrayImages };
    }

    // The first k indices of each class in `order`, and the remaining indices in order.
    static (long[] Taken, long[] Remaining) TakePerClass(long[] order, long[] labels, int classes, int k, string name)
    {
        var counts = new int[classes];
        var taken = new List<long>(classes * k);
        var rest = new List<long>(order.Length);
        foreach (var i in order)
        {
            long c = labels[i];
            if (c < 0 || c >= classes)
                throw new InvalidDataException($"task {name}: label {c} outside 0..{classes - 1}.");
            if (counts[c] < k) { counts[c]++; taken.Add(i); }
            else rest.Add(i);
        }
        int short_ = Array.FindIndex(counts, n => n < k);
        if (short_ >= 0)
            throw new ArgumentException($"task {name}: class {short_} has {counts[short_]} images, " +
                $"{k} support images per class were requested.");
        return (taken.ToArray(), rest.ToArray());
    }

    /// <summary>Frees the four splits.</summary>
    public void Dispose()
    {
        Support.Dispose();
        Train.Dispose();
        Validation.Dispose();
        Test.Dispose();
    }
}
