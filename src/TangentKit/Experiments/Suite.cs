using TangentKit.Data;
using TangentKit.Evaluation;
using TangentKit.Reporting;
using TangentKit.TaskVectors;
using TangentKit.Training;
using static TorchSharp.torch;

namespace TangentKit.Experiments;

/// <summary>
/// One reproduction in progress: the preset's data, both backbones (pre-trained and random), every task vector
/// (fine-tuned on demand as cached, resumable runs under <c>&lt;output&gt;/runs</c>) and evaluators per mode. Every
/// experiment of the paper is a function of a suite; results land in <see cref="Results"/>. The data are loaded on
/// first use, so an experiment whose results are stored is drawn from its files without fetching or loading anything.
/// </summary>
public sealed class Suite : IDisposable
{
    readonly Dictionary<Initialization, Backbone> _backbones = [];
    readonly Dictionary<(Initialization, string, FineTuneMode), TaskVector> _vectors = [];
    readonly Dictionary<(Initialization, string, FineTuneMode), IReadOnlyList<CurvePoint>> _curves = [];
    readonly Dictionary<(Initialization, EditMode), EditedEvaluator> _evaluators = [];

    readonly Lazy<SuiteData> _data;

    /// <summary>
    /// A suite for <paramref name="preset"/> writing under <paramref name="outputDirectory"/> (e.g. results/mini);
    /// <paramref name="loadData"/> runs on first use.
    /// </summary>
    /// <paramref name="device"/> holds θ0, heads, task vectors, optimizer state and caches (default: the CPU); the
    /// data stay in host memory and go there batch by batch.
    public Suite(Preset preset, Func<SuiteData> loadData, string outputDirectory, IExperimentProgress progress,
        Device? device = null)
        : this(preset, new Lazy<SuiteData>(loadData, LazyThreadSafetyMode.ExecutionAndPublication), outputDirectory,
            progress, ownsData: true, device ?? TorchSharp.torch.CPU)
    {
    }

    Suite(Preset preset, Lazy<SuiteData> data, string outputDirectory, IExperimentProgress progress, bool ownsData,
        Device device)
    {
        (Preset, Progress, _data, _ownsData, Device) = (preset, progress, data, ownsData, device);
        Results = new ResultStore(outputDirectory, preset.Name, ResultStore.FingerprintOf(preset));
    }

    readonly bool _ownsData;

    /// <summary>
    /// A suite on the same data (loaded once, owned by this suite) with another fine-tuning seed, writing under
    /// <paramref name="outputDirectory"/>: one replica of <c>--seeds N</c>.
    /// </summary>
    public Suite WithTrainingSeed(long trainingSeed, string outputDirectory) =>
        new(Preset with { TrainingSeed = trainingSeed }, _data, outputDirectory, Progress, ownsData: false, Device);

    /// <summary>
    /// Result folders of the same reproduction with other fine-tuning seeds, whose verdicts the summary adds as seed
    /// ranges (empty: one seed).
    /// </summary>
    public IReadOnlyList<string> Replicas { get; set; } = [];

    /// <summary>
    /// Opens a suite on the preset's data (fetched and loaded only when an experiment needs them) with θ0 and every
    /// tensor derived from it on <paramref name="device"/>; the paper preset reads <paramref name="paper"/>.
    /// </summary>
    public static Suite Open(Preset preset, string outputDirectory, IExperimentProgress progress,
        string? dataCache = null, Device? device = null, PaperInputs? paper = null)
    {
        if (preset.ClipModel is not null && paper is null)
            throw new ArgumentException($"preset {preset.Name} needs the CLIP weights and the datasets " +
                "(PaperInputs: --weights FILE --data DIR).", nameof(paper));
        return new(preset, () => SuiteData.Load(preset, dataCache, progress.Message, paper, device), outputDirectory,
            progress, device);
    }

    /// <summary>The preset.</summary>
    public Preset Preset { get; }

    /// <summary>Where θ0, heads, task vectors, optimizer state and caches live (CPU or a CUDA device).</summary>
    public Device Device { get; }

    /// <summary>Tasks and backbone (loaded on first access).</summary>
    public SuiteData Data => _data.Value;

    /// <summary>True once something needed the data (a stored result is drawn without them).</summary>
    public bool IsDataLoaded => _data.IsValueCreated;

    /// <summary>Where results are read and written.</summary>
    public ResultStore Results { get; }

    /// <summary>Progress sink.</summary>
    public IExperimentProgress Progress { get; }

    /// <summary>The edited tasks.</summary>
    public IReadOnlyList<ImageTask> Tasks => Data.Tasks;

    /// <summary>θ0, linearization and heads for <paramref name="init"/> (built once).</summary>
    public Backbone Backbone(Initialization init = Initialization.Pretrained)
    {
        if (_backbones.TryGetValue(init, out var b)) return b;
        var heads = Data.TextHeads is null ? "prototype" : "zero-shot text";
        Progress.Message($"{init.ToString().ToLowerInvariant()} backbone: θ0 and one {heads} head per task");
        using var host = init == Initialization.Pretrained ? Data.PretrainedTheta0()
            : Experiments.Backbone.RandomTheta0(Data, Preset.Seed + 1000, Preset.BatchNormImagesPerTask);
        return _backbones[init] = Experiments.Backbone.Create(init, Data, host.To(Device), Preset.HeadLogitScale);
    }

    /// <summary>
    /// τ of <paramref name="task"/> fine-tuned in <paramref name="mode"/> from <paramref name="init"/> (cached run).
    /// </summary>
    public TaskVector Vector(ImageTask task, FineTuneMode mode, Initialization init = Initialization.Pretrained)
    {
        var key = (init, task.Name, mode);
        if (_vectors.TryGetValue(key, out var v)) return v;
        var backbone = Backbone(init);
        var label = $"fine-tune {task.Name} ({mode.ToString().ToLowerInvariant()}, {backbone.Name})";
        var seeds = Preset.TrainingSeed == 0 ? $"seed{Preset.Seed}" : $"seed{Preset.Seed}-train{Preset.TrainingSeed}";
        var runDir = Path.Combine(Results.Directory, "runs", $"{backbone.Name}-{seeds}", task.Name,
            mode.ToString().ToLowerInvariant());
        var progress = new SyncProgress(p => Progress.Report(label, p.Step, p.TotalSteps));
        var result = FineTuner.Run(backbone.Model, backbone.Theta0, backbone.Heads[task.Name], task.Train,
            Preset.FineTuneFor(task) with { Mode = mode, Seed = Preset.Seed + Preset.TrainingSeed }, runDir, progress,
            Progress.Cancellation, validation: task.Validation);
        if (result.FromCache) Progress.Report(label, 1, 1);
        _curves[key] = result.ValidationCurve;
        return _vectors[key] = result.TaskVector;
    }

    /// <summary>
    /// The validation-accuracy curve of <paramref name="task"/>'s fine-tuning run (fine-tuned first if needed).
    /// </summary>
    public IReadOnlyList<CurvePoint> ValidationCurve(ImageTask task, FineTuneMode mode,
        Initialization init = Initialization.Pretrained)
    {
        Vector(task, mode, init);
        return _curves[(init, task.Name, mode)];
    }

    /// <summary>The vectors of every edited task for a mode, in task order.</summary>
    public IReadOnlyList<TaskVector> Vectors(FineTuneMode mode, Initialization init = Initialization.Pretrained) =>
        Tasks.Select(t => Vector(t, mode, init)).ToList();

    /// <summary>The evaluator of edited models for (<paramref name="init"/>, <paramref name="mode"/>).</summary>
    public EditedEvaluator Evaluator(EditMode mode, Initialization init = Initialization.Pretrained)
    {
        if (_evaluators.TryGetValue((init, mode), out var e)) return e;
        var backbone = Backbone(init);
        var vectors = Vectors(mode.VectorsFrom(), init);
        return _evaluators[(init, mode)] = new EditedEvaluator(backbone.Linearized, backbone.Heads, mode, vectors);
    }

    /// <summary>
    /// What each edited-model evaluator of this suite has cost so far (network passes, seconds, edits), by θ0.
    /// </summary>
    public IReadOnlyList<(Initialization Init, EvaluationThroughput Cost)> EvaluationCosts =>
        _evaluators.Select(kv => (kv.Key.Item1, kv.Value.Throughput)).ToList();

    /// <summary>
    /// Writes <paramref name="experiment"/>'s table, figures and report section under its registry stem and title.
    /// </summary>
    public ReportSection Publish(Experiment experiment, Deedle.Frame<int, string> table, string description,
        string finding, params FigureSpec[] figures)
    {
        var info = ExperimentRegistry.Of(experiment);
        var section = Results.Publish(info.Stem, info.Title, table, description, finding, figures);
        Progress.Message($"{info.Title}: {finding}");
        return section;
    }

    /// <summary>Frees evaluators, vectors, backbones and data.</summary>
    public void Dispose()
    {
        foreach (var e in _evaluators.Values) e.Dispose();
        foreach (var v in _vectors.Values) v.Dispose();
        foreach (var b in _backbones.Values) b.Dispose();
        if (_ownsData && _data.IsValueCreated) _data.Value.Dispose();
    }

    // Synchronous IProgress (Progress<T> would post to the thread pool and reorder reports).
    sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
