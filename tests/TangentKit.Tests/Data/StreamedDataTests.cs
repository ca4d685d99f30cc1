using TangentKit.Data;
using TangentKit.Data.Images;
using TangentKit.Data.Paper;
using TangentKit.Models;
using TangentKit.Training;

namespace TangentKit.Tests.Data;

/// Streamed splits against the oracle "decode each image and apply the transform directly, on the test thread":
/// evaluation batches, selections, the first n and training batches carry the same values and labels in the same
/// order; workers stop when an enumeration is abandoned, and a corrupt image's error reaches the consumer.
public sealed class StreamedDataTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), $"tangentkit-streamed-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    /// Nearest-neighbour resize to size×size and scaling to [0, 1]; training adds seed mod 1000 / 1000 and mirrors
    /// the image for odd seeds.
    sealed class NearestTransform(int size) : IImageTransform
    {
        public long[] OutputShape => [3, size, size];

        public void Evaluation(RgbImage image, Span<float> destination) => Write(image, destination, 0, false);

        public void Training(RgbImage image, ulong seed, Span<float> destination) =>
            Write(image, destination, seed % 1000 / 1000f, seed % 2 == 1);

        void Write(RgbImage image, Span<float> d, float offset, bool mirror)
        {
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                    {
                        int sy = y * image.Height / size, sx = x * image.Width / size;
                        if (mirror) sx = image.Width - 1 - sx;
                        d[(c * size + y) * size + x] = image.Pixels[3 * (sy * image.Width + sx) + c] / 255f + offset;
                    }
        }
    }

    /// Images in memory; decoding can be slowed down.
    sealed class MemorySource(RgbImage[] images, long[] labels, int delayMs = 0) : IImageSource
    {
        public string Description => $"memory ({images.Length} images)";
        public int Count => images.Length;
        public long[] Labels => labels;

        public RgbImage Decode(long index)
        {
            if (delayMs > 0) Thread.Sleep(delayMs);
            return images[index];
        }
    }

    static MemorySource Source(int n, int delayMs = 0)
    {
        var g = new SplitMix64(42);
        var images = Enumerable.Range(0, n).Select(i =>
        {
            int w = 3 + g.NextInt(6), h = 3 + g.NextInt(6);
            return new RgbImage(w, h, Enumerable.Range(0, w * h * 3).Select(_ => (byte)g.NextInt(256)).ToArray());
        }).ToArray();
        return new MemorySource(images, Enumerable.Range(0, n).Select(i => (long)(i * 7 % 5)).ToArray(), delayMs);
    }

    static readonly NearestTransform Transform = new(4);

    // The oracle: images decoded and transformed one by one on this thread.
    static Tensor Direct(IImageSource source, IEnumerable<long> indices, Func<int, ulong?>? seed = null)
    {
        var rows = indices.Select((index, position) =>
        {
            var d = new float[48];
            var s = seed?.Invoke(position);
            if (s is { } v) Transform.Training(source.Decode(index), v, d);
            else Transform.Evaluation(source.Decode(index), d);
            return d;
        }).ToList();
        return tensor(rows.SelectMany(r => r).ToArray(), [rows.Count, 3, 4, 4]);
    }

    static Tensor LabelsOf(IImageSource source, IEnumerable<long> indices) =>
        tensor(indices.Select(i => source.Labels[i]).ToArray());

    static void AssertEqual(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.equal(actual).all().item<bool>(), "values differ");
    }

    [Fact]
    public void Evaluation_batches_come_in_order_with_the_directly_transformed_images_and_their_labels()
    {
        var source = Source(23);
        long[] indices = [.. Enumerable.Range(0, 23).Select(i => (long)(22 - i)).Where(i => i != 5)];   // 22 images
        using var data = LabeledData.Streamed(source, indices, Transform, workers: 3);
        Assert.True(data.IsStreamed);
        Assert.Equal(22, data.Count);
        AssertEqual(LabelsOf(source, indices), data.Labels);
        var batches = data.Batches(5).ToList();
        Assert.Equal([5, 5, 5, 5, 2], batches.Select(b => (int)b.Inputs.shape[0]));
        for (int b = 0; b < batches.Count; b++)
        {
            var part = indices.Skip(5 * b).Take(5).ToArray();
            AssertEqual(Direct(source, part), batches[b].Inputs);
            AssertEqual(LabelsOf(source, part), batches[b].Labels);
        }
        var e = Assert.Throws<InvalidOperationException>(() => data.Inputs);
        Assert.Contains("Batches", e.Message);
    }

    [Fact]
    public void Select_and_Take_give_in_memory_splits_of_the_evaluation_transform()
    {
        var source = Source(12);
        long[] indices = [3, 1, 4, 11, 5, 9, 2, 6];
        using var data = LabeledData.Streamed(source, indices, Transform, workers: 2);
        using var selected = data.Select(tensor(new long[] { 6, 0, 3 }));
        Assert.False(selected.IsStreamed);
        AssertEqual(Direct(source, [2, 3, 11]), selected.Inputs);
        AssertEqual(LabelsOf(source, [2, 3, 11]), selected.Labels);
        using var first = data.Take(4);
        AssertEqual(Direct(source, [3, 1, 4, 11]), first.Inputs);
        AssertEqual(LabelsOf(source, [3, 1, 4, 11]), first.Labels);
        // In memory, Take copies the first rows.
        using var memory = new LabeledData(arange(12, dtype: ScalarType.Float32).view(6, 2), arange(6L));
        using var two = memory.Take(2);
        Assert.Equal([0f, 1, 2, 3], two.Inputs.data<float>().ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Take(9));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Select(tensor(new long[] { 8 })));
    }

    [Fact]
    public void Training_batches_are_the_augmented_images_of_each_steps_indices_seeded_by_step_and_position()
    {
        var source = Source(30);
        var indices = Enumerable.Range(0, 30).Select(i => (long)((i * 11) % 30)).ToArray();
        using var data = LabeledData.Streamed(source, indices, Transform, workers: 4);
        var schedule = new BatchSchedule(data.Count, 8, seed: 3);
        int step = 2;
        foreach (var (x, y) in data.TrainingBatches(schedule.IndicesForStep, 2, 9, cropScaleMin: 0.9, seed: 17))
        {
            var positions = new BatchSchedule(data.Count, 8, seed: 3).IndicesForStep(step);
            var sourceIndices = positions.Select(p => indices[p]).ToArray();
            int s = step;
            AssertEqual(Direct(source, sourceIndices, p => LabeledData.TrainingSeed(17, s, p)), x);
            AssertEqual(LabelsOf(source, sourceIndices), y);
            step++;
        }
        Assert.Equal(9, step);
        // The seeds differ between positions and steps (else the check above would not see a mix-up).
        Assert.Equal(16, Enumerable.Range(0, 8).SelectMany(p => new[] { LabeledData.TrainingSeed(17, 2, p),
            LabeledData.TrainingSeed(17, 3, p) }).Distinct().Count());
        // Without augmentation (crop scale 1) a training batch is the evaluation transform.
        var (plain, _) = data.TrainingBatches(_ => [4, 0], 0, 1, cropScaleMin: 1, seed: 17).Single();
        AssertEqual(Direct(source, [indices[4], indices[0]]), plain);
    }

    static int DecoderThreads() => Directory.GetDirectories("/proc/self/task")
        .Count(t => File.Exists(Path.Combine(t, "comm"))
            && TryRead(Path.Combine(t, "comm")).StartsWith(DecodeAhead.ThreadName));

    static string TryRead(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return ""; }                  // the thread ended while we looked
    }

    static void AssertNoDecoderThreadLeft()
    {
        for (int i = 0; i < 100 && DecoderThreads() > 0; i++) Thread.Sleep(20);
        Assert.Equal(0, DecoderThreads());
    }

    [Fact]
    public void Abandoning_an_enumeration_stops_the_decoding_threads()
    {
        var source = Source(200, delayMs: 2);
        using var data = LabeledData.Streamed(source, ImageSplit.All(source).Indices, Transform, workers: 4);
        AssertNoDecoderThreadLeft();
        int seen = 0;
        foreach (var (x, _) in data.Batches(4))
        {
            Assert.Equal(4, DecoderThreads());              // the workers exist while the enumeration runs
            if (++seen == 2) break;
        }
        AssertNoDecoderThreadLeft();
        foreach (var _ in data.TrainingBatches(s => [s, s + 1], 0, 100, 0.5, 1))
            if (++seen == 4) break;
        AssertNoDecoderThreadLeft();
    }

    [Fact]
    public void A_corrupt_image_fails_on_the_consuming_thread_naming_the_file()
    {
        var folder = Path.Combine(_root, "images", "cat");
        for (int i = 0; i < 9; i++)
            ImageFixtures.WritePng(Path.Combine(folder, $"img{i}.png"), ImageFixtures.Tagged(i));
        File.WriteAllBytes(Path.Combine(folder, "img6.png"), [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
        var (source, _) = ImageFolder.Read(Path.Combine(_root, "images"), "images", ImageFixtures.Decode);
        using var data = LabeledData.Streamed(source, ImageSplit.All(source).Indices, Transform, workers: 3);
        int consumer = Environment.CurrentManagedThreadId, batches = 0, thrownOn = -1;
        var e = Assert.Throws<InvalidDataException>(() =>
        {
            try { foreach (var _ in data.Batches(2)) batches++; }
            catch { thrownOn = Environment.CurrentManagedThreadId; throw; }
        });
        Assert.Contains(Path.Combine(folder, "img6.png"), e.Message);
        Assert.Equal(consumer, thrownOn);
        Assert.Equal(3, batches);                           // img0–img5 came through first
        AssertNoDecoderThreadLeft();
    }

    [Fact]
    public void Fingerprints_are_the_in_memory_formula_and_streamed_ones_need_no_decoding()
    {
        // Σ|t| = 1 + 2 + 3 + 0.5 + 0 + 1; Σ t·(i mod 7 + 1) = 1 − 4 + 9 + 2 (inputs) + 0 + 2 (labels).
        using var memory = new LabeledData(tensor(new[] { 1f, -2, 3, 0.5f }, [2, 2]), tensor(new long[] { 0, 1 }));
        Assert.Equal("7.5/10", memory.ContentFingerprint());
        var undecodable = new MemorySource([null!, null!, null!], [0, 1, 1]);
        using var a = LabeledData.Streamed(undecodable, [0, 2], Transform);
        using var b = LabeledData.Streamed(undecodable, [0, 1], Transform);
        Assert.Contains(undecodable.Description, a.ContentFingerprint());
        Assert.NotEqual(a.ContentFingerprint(), b.ContentFingerprint());
    }

    /// Eight values per image: an 8×1 image's red bytes / 32 − 4.
    sealed class RowTransform : IImageTransform
    {
        public long[] OutputShape => [8];

        public void Evaluation(RgbImage image, Span<float> destination)
        {
            for (int i = 0; i < 8; i++) destination[i] = image.Pixels[3 * i] / 32f - 4;
        }

        public void Training(RgbImage image, ulong seed, Span<float> destination) =>
            throw new InvalidOperationException("no augmentation in this test");
    }

    [Fact]
    public void Fine_tuning_on_a_streamed_split_equals_fine_tuning_on_its_images_in_memory()
    {
        var g = new SplitMix64(8);
        var images = Enumerable.Range(0, 30).Select(_ =>
            new RgbImage(8, 1, Enumerable.Range(0, 24).Select(_ => (byte)g.NextInt(256)).ToArray())).ToArray();
        var source = new MemorySource(images, Enumerable.Range(0, 30).Select(i => (long)(i % 3)).ToArray());
        long[] indices = [.. Enumerable.Range(0, 30).Select(i => (long)i).Where(i => i % 4 != 1)];
        var values = indices.SelectMany(i => images[i].Pixels.Where((_, k) => k % 3 == 0).Select(p => p / 32f - 4));
        using var memory = new LabeledData(tensor(values.ToArray(), [indices.Length, 8]),
            tensor(indices.Select(i => i % 3).ToArray()));
        using var streamed = LabeledData.Streamed(source, indices, new RowTransform(), workers: 2);

        var model = new Mlp([8, 16, 6]);
        var theta0 = model.Initialize(1);
        var head = new FrozenHead(randn(3, 6, generator: new Generator(9)) * 3);
        var options = new FineTuneOptions
            { Mode = FineTuneMode.Standard, Steps = 9, BatchSize = 8, LearningRate = 0.05, WarmupSteps = 2, Seed = 4 };
        var inMemory = FineTuner.Run(model, theta0, head, memory, options);
        var run = Path.Combine(_root, "streamed-run");
        var fromDisk = FineTuner.Run(model, theta0, head, streamed, options with { EvaluateEvery = 3 }, run,
            validation: streamed);
        Assert.Equal(inMemory.Losses, fromDisk.Losses);
        Assert.Equal([0, 3, 6, 9], fromDisk.ValidationCurve.Select(p => p.Step));
        foreach (var n in inMemory.TaskVector.Entries.Names)
            Assert.True(inMemory.TaskVector.Entries[n].equal(fromDisk.TaskVector.Entries[n]).all().item<bool>(), n);
        Assert.True(FineTuner.Run(model, theta0, head, streamed, options with { EvaluateEvery = 3 }, run).FromCache);
        AssertNoDecoderThreadLeft();
    }
}
