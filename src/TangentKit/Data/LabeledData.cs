using System.Security.Cryptography;
using TangentKit.Data.Images;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Data;

/// <summary>
/// A labeled split: inputs [N, …] and int64 class labels [N]. Two backings: in memory (the tiny and mini presets;
/// owns its input tensor) or streamed (the paper preset: images decoded on demand from an
/// <see cref="IImageSource"/> through an <see cref="IImageTransform"/>, on background threads ahead of their use).
/// <see cref="Batches"/>, <see cref="TrainingBatches"/>, <see cref="Select"/> and <see cref="Take"/> work for both;
/// <see cref="Inputs"/> only in memory.
/// </summary>
public sealed class LabeledData : IDisposable
{
    /// <summary>Batches a streamed split decodes ahead of its consumer.</summary>
    public const int BatchesAhead = 3;

    readonly Tensor? _inputs;
    readonly IImageSource? _source;
    readonly long[] _sourceIndices = [], _labels = [];
    readonly IImageTransform? _transform;
    readonly int _workers;

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
        _inputs = inputs.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
    }

    LabeledData(IImageSource source, long[] indices, long[] labels, IImageTransform transform, int workers)
    {
        (_source, _sourceIndices, _labels, _transform, _workers) = (source, indices, labels, transform, workers);
        Labels = tensor(labels, device: CPU).DetachFromDisposeScope();
    }

    /// <summary>
    /// A split of <paramref name="source"/> (the images at <paramref name="indices"/>, labels from
    /// <see cref="IImageSource.Labels"/>) decoded on demand through <paramref name="transform"/> by
    /// <paramref name="workers"/> background threads (0: one per processor).
    /// </summary>
    /// <example>
    /// <code>
    /// using var train = LabeledData.Streamed(source, trainIndices, clipPreprocessing);
    /// foreach (var (x, y) in train.Batches(128)) { using var scope = torch.NewDisposeScope(); … }
    /// using var first = train.Take(64);                // in memory: evaluation transform
    /// </code>
    /// </example>
    public static LabeledData Streamed(IImageSource source, IReadOnlyList<long> indices, IImageTransform transform,
        int workers = 0)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(transform);
        if (workers < 0)
            throw new ArgumentOutOfRangeException(nameof(workers), workers, "workers must be ≥ 0 (0: one per core).");
        var shape = transform.OutputShape;
        if (shape is not { Length: > 0 } || shape.Any(d => d <= 0))
            throw new ArgumentException($"transform output shape must be positive, e.g. [3, 224, 224]; got " +
                $"[{string.Join(", ", shape ?? [])}].", nameof(transform));
        var all = source.Labels;
        if (all.Length != source.Count)
            throw new ArgumentException($"{source.Description}: {all.Length} labels for {source.Count} images.",
                nameof(source));
        var idx = indices.ToArray();
        var labels = new long[idx.Length];
        for (int i = 0; i < idx.Length; i++)
        {
            if (idx[i] < 0 || idx[i] >= source.Count)
                throw new ArgumentOutOfRangeException(nameof(indices), idx[i],
                    $"{source.Description}: index {i} is {idx[i]}, outside 0..{source.Count - 1}.");
            labels[i] = all[idx[i]];
        }
        return new LabeledData(source, idx, labels, transform, workers == 0 ? Environment.ProcessorCount : workers);
    }

    /// <summary>True when the images are decoded on demand (no <see cref="Inputs"/> tensor).</summary>
    public bool IsStreamed => _source is not null;

    /// <summary>Inputs [N, …] (in memory only; streamed data has none: use Batches, Select or Take).</summary>
    public Tensor Inputs => _inputs ?? throw new InvalidOperationException(
        $"streamed data ({_source!.Description}, {Count} images) is decoded on demand and has no Inputs tensor: " +
        "use Batches, Select or Take.");

    /// <summary>Class indices [N].</summary>
    public Tensor Labels { get; }

    /// <summary>Number of examples N.</summary>
    public long Count => Labels.shape[0];

    /// <summary>
    /// The examples at <paramref name="indices"/> (int64 positions) as a new, owned in-memory split (streamed data:
    /// decoded with the evaluation transform).
    /// </summary>
    public LabeledData Select(Tensor indices)
    {
        if (!IsStreamed) return new(Inputs.index_select(0, indices), Labels.index_select(0, indices));
        if (indices.dim() != 1 || indices.dtype != ScalarType.Int64)
            throw new ArgumentException($"indices must be a one-dimensional int64 tensor; got {indices.dtype} " +
                $"[{string.Join(",", indices.shape)}].", nameof(indices));
        return Decoded(indices.data<long>().ToArray());
    }

    /// <summary>The first <paramref name="n"/> examples as a new, owned in-memory split (both backings).</summary>
    public LabeledData Take(int n)
    {
        if (n < 0 || n > Count)
            throw new ArgumentOutOfRangeException(nameof(n), n, $"can take 0..{Count} examples.");
        if (IsStreamed) return Decoded(Enumerable.Range(0, n).Select(i => (long)i).ToArray());
        using var scope = NewDisposeScope();
        return new(Inputs.narrow(0, 0, n).clone(), Labels.narrow(0, 0, n).clone());
    }

    /// <summary>
    /// Consecutive batches in order (evaluation). In memory they are views into this split, valid while it lives;
    /// streamed, they are decoded ahead on background threads (evaluation transform) and are new tensors owned by the
    /// dispose scope current when each is yielded. Ending the enumeration early stops the decoding threads.
    /// </summary>
    public IEnumerable<(Tensor Inputs, Tensor Labels)> Batches(int batchSize)
    {
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be positive.");
        return IsStreamed ? StreamedBatches(batchSize) : InMemoryBatches(batchSize);
    }

    IEnumerable<(Tensor Inputs, Tensor Labels)> InMemoryBatches(int batchSize)
    {
        for (long start = 0; start < Count; start += batchSize)
        {
            long n = Math.Min(batchSize, Count - start);
            yield return (Inputs.narrow(0, start, n), Labels.narrow(0, start, n));
        }
    }

    IEnumerable<(Tensor Inputs, Tensor Labels)> StreamedBatches(int batchSize) => Stream(b =>
    {
        long start = (long)b * batchSize;
        if (start >= Count) return null;
        int n = (int)Math.Min(batchSize, Count - start);
        return new DecodeAhead.Plan(_sourceIndices[(int)start..((int)start + n)],
            _labels[(int)start..((int)start + n)], Seeds: null);
    });

    /// <summary>
    /// One training batch per step <paramref name="fromStep"/> ≤ s &lt; <paramref name="toStep"/>, of the examples
    /// <paramref name="indicesForStep"/>(s) names. In memory: those examples, cropped by
    /// <see cref="RandomResizedCrop.Apply"/>(x, <paramref name="cropScaleMin"/>, <paramref name="seed"/>, s) when
    /// <paramref name="cropScaleMin"/> &lt; 1. Streamed: each image through the transform's training augmentation
    /// seeded by <see cref="TrainingSeed"/>(seed, s, position in the batch) when <paramref name="cropScaleMin"/> &lt; 1
    /// (the transform's own crop scale applies), else its evaluation transform, decoded ahead on background threads
    /// (<paramref name="indicesForStep"/> is then called from them, in step order, one call at a time). The tensors
    /// are owned by the dispose scope current when each batch is yielded.
    /// </summary>
    public IEnumerable<(Tensor Inputs, Tensor Labels)> TrainingBatches(Func<long, long[]> indicesForStep,
        int fromStep, int toStep, double cropScaleMin, long seed)
    {
        ArgumentNullException.ThrowIfNull(indicesForStep);
        if (fromStep < 0 || toStep < fromStep)
            throw new ArgumentOutOfRangeException(nameof(toStep), toStep,
                $"steps must satisfy 0 ≤ fromStep ≤ toStep; got {fromStep}..{toStep}.");
        if (!(cropScaleMin > 0))
            throw new ArgumentOutOfRangeException(nameof(cropScaleMin), cropScaleMin, "the crop scale must be > 0.");
        return IsStreamed
            ? StreamedTraining(indicesForStep, fromStep, toStep, cropScaleMin < 1, seed)
            : InMemoryTraining(indicesForStep, fromStep, toStep, cropScaleMin, seed);
    }

    IEnumerable<(Tensor Inputs, Tensor Labels)> InMemoryTraining(Func<long, long[]> indicesForStep, int fromStep,
        int toStep, double cropScaleMin, long seed)
    {
        for (int step = fromStep; step < toStep; step++)
        {
            var indices = tensor(indicesForStep(step), device: Labels.device);
            var inputs = Inputs.index_select(0, indices);
            var labels = Labels.index_select(0, indices);
            yield return (cropScaleMin < 1 ? RandomResizedCrop.Apply(inputs, cropScaleMin, seed, step) : inputs,
                labels);
        }
    }

    IEnumerable<(Tensor Inputs, Tensor Labels)> StreamedTraining(Func<long, long[]> indicesForStep, int fromStep,
        int toStep, bool augment, long seed) => Stream(b =>
    {
        long step = fromStep + (long)b;
        if (step >= toStep) return null;
        var positions = indicesForStep(step);
        if (positions is not { Length: > 0 })
            throw new ArgumentException($"the batch of step {step} is empty.", nameof(indicesForStep));
        var (indices, labels) = Resolve(positions, nameof(indicesForStep), $"step {step}: ");
        return new DecodeAhead.Plan(indices, labels, augment ? TrainingSeeds(seed, step, positions.Length) : null);
    });

    // The source indices and labels of the examples at `positions` of this split (checked).
    (long[] Indices, long[] Labels) Resolve(long[] positions, string argument, string context)
    {
        var indices = new long[positions.Length];
        var labels = new long[positions.Length];
        for (int i = 0; i < positions.Length; i++)
        {
            if (positions[i] < 0 || positions[i] >= Count)
                throw new ArgumentOutOfRangeException(argument, positions[i],
                    $"{context}example {positions[i]} is outside 0..{Count - 1}.");
            (indices[i], labels[i]) = (_sourceIndices[positions[i]], _labels[positions[i]]);
        }
        return (indices, labels);
    }

    // The first `count` outputs of SplitMix64(seed, stream 2,000,003 + step): the seeds of one training batch.
    static ulong[] TrainingSeeds(long seed, long step, int count)
    {
        var rng = new SplitMix64(seed, TrainingSeedStream + step);
        var seeds = new ulong[count];
        for (int i = 0; i < count; i++) seeds[i] = rng.Next();
        return seeds;
    }

    const long TrainingSeedStream = 2_000_003;

    /// <summary>
    /// The augmentation seed of the example at <paramref name="position"/> of the batch of training step
    /// <paramref name="step"/>: output number <paramref name="position"/> (from 0) of SplitMix64(seed, stream
    /// 2,000,003 + step). A resumed run gets the same seeds.
    /// </summary>
    public static ulong TrainingSeed(long seed, long step, int position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        return TrainingSeeds(seed, step, position + 1)[position];
    }

    // Batches of a streamed split as the plan describes them, decoded ahead; tensors made here, on the consumer.
    IEnumerable<(Tensor Inputs, Tensor Labels)> Stream(Func<int, DecodeAhead.Plan?> plan)
    {
        using var pipeline = new DecodeAhead(_source!, _transform!, plan, _workers, BatchesAhead);
        while (pipeline.Next() is { } batch)
        {
            long n = batch.Plan.SourceIndices.Length;
            yield return (tensor(batch.Data, [n, .. _transform!.OutputShape], device: CPU),
                tensor(batch.Plan.Labels, device: CPU));
        }
    }

    // The examples at `positions` of a streamed split, decoded with the evaluation transform, in memory.
    LabeledData Decoded(long[] positions)
    {
        var (indices, labels) = Resolve(positions, nameof(positions), "");
        long[] shape = [positions.Length, .. _transform!.OutputShape];
        if (positions.Length == 0) return new(zeros(shape, device: CPU), tensor(labels, device: CPU));
        int workers = Math.Min(_workers, positions.Length);
        using var pipeline = new DecodeAhead(_source!, _transform, b => b == 0
            ? new DecodeAhead.Plan(indices, labels, Seeds: null) : null, workers, depth: 1);
        var batch = pipeline.Next()!;
        return new(tensor(batch.Data, shape, device: CPU), tensor(labels, device: CPU));
    }

    /// <summary>
    /// A fingerprint of the content, for run directories. In memory: Σ|t| and an index-weighted sum of the inputs
    /// and labels; streamed: the source's description, the transform's type and shape, and a SHA-256 of the indices
    /// and labels (nothing is decoded).
    /// </summary>
    public string ContentFingerprint()
    {
        if (!IsStreamed) return Fingerprint([Inputs, Labels]);
        var bytes = new byte[_sourceIndices.Length * 16];
        for (int i = 0; i < _sourceIndices.Length; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(16 * i), _sourceIndices[i]);
            BitConverter.TryWriteBytes(bytes.AsSpan(16 * i + 8), _labels[i]);
        }
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return $"{_source!.Description} | {_transform!.GetType().FullName} " +
            $"[{string.Join(",", _transform.OutputShape)}] | {_sourceIndices.Length} indices and labels {hash}";
    }

    /// <summary>
    /// Σ|t| and Σ t·((index mod 7) + 1) over the flattened tensors, in float64: cheap, and changes with any realistic
    /// change of the tensors (run directories store it).
    /// </summary>
    internal static string Fingerprint(IEnumerable<Tensor> tensors)
    {
        using var scope = NewDisposeScope();
        double a = 0, b = 0;
        foreach (var t in tensors)
        {
            var flat = t.detach().flatten().to_type(ScalarType.Float64);
            a += flat.abs().sum().item<double>();
            var weights = arange(flat.shape[0], dtype: ScalarType.Float64, device: flat.device).remainder(7).add(1);
            b += (flat * weights).sum().item<double>();
        }
        return $"{a:R}/{b:R}";
    }

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        _inputs?.Dispose();
        Labels.Dispose();
    }
}
