namespace TangentKit.Data;

/// <summary>Sizes of the train, validation and test splits of a task.</summary>
public sealed record SplitSizes(int Train, int Validation, int Test);

/// <summary>
/// A classification task ready for the backbone: name, class names and seeded train / validation / test splits
/// (train for fine-tuning and the head, validation for α selection, test for reporting — the paper's protocol).
/// </summary>
public sealed class ImageTask(string name, IReadOnlyList<string> classes, LabeledData train, LabeledData validation,
    LabeledData test) : IDisposable
{
    /// <summary>Short name, e.g. <c>mnist</c>.</summary>
    public string Name { get; } = name;

    /// <summary>Class names in label order.</summary>
    public IReadOnlyList<string> Classes { get; } = classes;

    /// <summary>Fine-tuning and head-training split.</summary>
    public LabeledData Train { get; } = train;

    /// <summary>Split on which α is chosen.</summary>
    public LabeledData Validation { get; } = validation;

    /// <summary>Split on which results are reported.</summary>
    public LabeledData Test { get; } = test;

    /// <summary>
    /// Draws disjoint splits with a seed: train and validation from <paramref name="pool"/>, test from
    /// <paramref name="testPool"/> (or also from <paramref name="pool"/> when there is no official test set). Errors
    /// name the task and the shortfall.
    /// </summary>
    public static ImageTask FromGray(string name, IReadOnlyList<string> classes, GrayImages pool, GrayImages? testPool,
        SplitSizes sizes, long seed, int imageSize, IReadOnlyList<float> channelMeans)
    {
        int needFromPool = sizes.Train + sizes.Validation + (testPool is null ? sizes.Test : 0);
        if (pool.Count < needFromPool)
            throw new ArgumentException(
                $"task {name}: {pool.Count} images, {needFromPool} needed for the requested splits.");
        if (testPool is not null && testPool.Count < sizes.Test)
            throw new ArgumentException($"task {name}: {testPool.Count} test images, {sizes.Test} needed.");
        var order = SeededPermutation.Draw(pool.Count, seed);
        long[] trainIdx = order[..sizes.Train], valIdx = order[sizes.Train..(sizes.Train + sizes.Validation)];
        var testSource = testPool ?? pool;
        long[] testIdx = testPool is null
            ? order[(sizes.Train + sizes.Validation)..needFromPool]
            : SeededPermutation.Draw(testPool.Count, seed, stream: 1)[..sizes.Test];
        LabeledData Split(GrayImages from, long[] idx)
            => new(from.ToBackboneInput(idx, imageSize, channelMeans), from.LabelsAt(idx));
        return new ImageTask(name, classes, Split(pool, trainIdx), Split(pool, valIdx), Split(testSource, testIdx));
    }

    /// <summary>Frees the three splits.</summary>
    public void Dispose()
    {
        Train.Dispose();
        Validation.Dispose();
        Test.Dispose();
    }
}
