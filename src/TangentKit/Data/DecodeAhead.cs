using System.Runtime.ExceptionServices;
using TangentKit.Data.Images;

namespace TangentKit.Data;

/// <summary>
/// Decodes and transforms the images of a sequence of batches on background threads, at most <c>depth</c> batches
/// ahead of the consumer, which receives them in order as float arrays. Workers share the images of the open batches
/// (the earliest first), so one batch is spread over every thread. The plan of batch b is asked for in order, on one
/// thread at a time. A failure (a corrupt image, a failing plan) is raised on the consuming thread when it reaches
/// that batch; disposing stops and joins every worker.
/// </summary>
internal sealed class DecodeAhead : IDisposable
{
    /// <summary>
    /// What batch b holds: source indices, their labels, and per-example training seeds (null: the evaluation
    /// transform).
    /// </summary>
    public sealed record Plan(long[] SourceIndices, long[] Labels, ulong[]? Seeds);

    /// <summary>A decoded batch: [n, …shape] floats, channel-major per example, and the plan it came from.</summary>
    public sealed record Batch(float[] Data, Plan Plan);

    sealed class Pending(Plan plan, int exampleSize)
    {
        public readonly Plan Plan = plan;
        public readonly float[] Data = new float[(long)plan.SourceIndices.Length * exampleSize];
        public int Claimed, Done;
        public Exception? Error;
        public bool Complete => Done == Plan.SourceIndices.Length;
    }

    readonly IImageSource _source;
    readonly IImageTransform _transform;
    readonly Func<int, Plan?> _plan;
    readonly int _exampleSize, _depth;
    readonly object _gate = new();
    readonly List<Pending> _open = [];          // opened, not yet consumed, in batch order
    readonly Thread[] _threads;
    int _opened;
    bool _ended, _stopped;
    ExceptionDispatchInfo? _planError;

    /// <summary>
    /// Starts <paramref name="workers"/> threads decoding the batches <paramref name="plan"/> describes (null ends
    /// the sequence), at most <paramref name="depth"/> batches ahead.
    /// </summary>
    public DecodeAhead(IImageSource source, IImageTransform transform, Func<int, Plan?> plan, int workers, int depth)
    {
        if (workers <= 0) throw new ArgumentOutOfRangeException(nameof(workers), workers, "need ≥ 1 worker.");
        if (depth <= 0) throw new ArgumentOutOfRangeException(nameof(depth), depth, "need ≥ 1 batch ahead.");
        (_source, _transform, _plan, _depth) = (source, transform, plan, depth);
        _exampleSize = checked((int)transform.OutputShape.Aggregate(1L, (a, b) => a * b));
        _threads = new Thread[workers];
        for (int i = 0; i < workers; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"{ThreadName}{i}" };
            _threads[i].Start();
        }
    }

    /// <summary>Prefix of the workers' thread names (short enough for Linux's 15-character thread names).</summary>
    public const string ThreadName = "tk-decode-";

    /// <summary>The next batch in order, once all its images are ready; null after the last.</summary>
    public Batch? Next()
    {
        lock (_gate)
        {
            while (true)
            {
                if (_open.Count > 0 && _open[0].Error is { } error)
                    throw new InvalidDataException(error.Message, error);
                if (_open.Count > 0 && _open[0].Complete)
                {
                    var head = _open[0];
                    _open.RemoveAt(0);
                    Monitor.PulseAll(_gate);
                    return new Batch(head.Data, head.Plan);
                }
                if (_open.Count == 0 && _planError is not null) _planError.Throw();
                if (_open.Count == 0 && _ended) return null;
                Monitor.Wait(_gate);
            }
        }
    }

    void Work()
    {
        while (true)
        {
            Pending batch;
            int position;
            lock (_gate)
            {
                while (true)
                {
                    if (_stopped) return;
                    var open = _open.Find(b => b.Error is null && b.Claimed < b.Plan.SourceIndices.Length);
                    if (open is not null)
                    {
                        (batch, position) = (open, open.Claimed++);
                        break;
                    }
                    if (!_ended && _planError is null && _open.Count < _depth)
                    {
                        try
                        {
                            var next = _plan(_opened);
                            if (next is null) _ended = true;
                            else { _open.Add(new Pending(next, _exampleSize)); _opened++; }
                        }
                        catch (Exception e) { _planError = ExceptionDispatchInfo.Capture(e); }
                        Monitor.PulseAll(_gate);
                        continue;
                    }
                    Monitor.Wait(_gate);
                }
            }
            Exception? failure = null;
            long index = batch.Plan.SourceIndices[position];
            try
            {
                var image = _source.Decode(index);
                var destination = batch.Data.AsSpan(position * _exampleSize, _exampleSize);
                if (batch.Plan.Seeds is { } seeds) _transform.Training(image, seeds[position], destination);
                else _transform.Evaluation(image, destination);
            }
            catch (Exception e)
            {
                failure = new InvalidDataException(
                    $"{_source.Description}: image {index} could not be decoded or transformed: {e.Message}", e);
            }
            lock (_gate)
            {
                batch.Done++;
                batch.Error ??= failure;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Stops the workers (each finishes the image it is on) and waits for them to end.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
            Monitor.PulseAll(_gate);
        }
        foreach (var t in _threads) t.Join();
    }
}
