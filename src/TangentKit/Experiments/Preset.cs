using TangentKit.Data;
using TangentKit.Training;

namespace TangentKit.Experiments;

/// <summary>
/// Everything that differs between the kit's reproductions: backbone, data, budgets and grids. <see cref="Mini"/> is
/// the offline default (ImageNet ResNet-18, real tasks, 2 CPU cores, ≤ 20 minutes cold); <see cref="Tiny"/> runs the
/// same pipeline on generated data in seconds (tests, notebook CI).
/// </summary>
public sealed record Preset
{
    /// <summary>Preset name (results go to results/&lt;name&gt;).</summary>
    public required string Name { get; init; }

    /// <summary>
    /// True: ImageNet ResNet-18 and the offline datasets; false: a small random-init ResNet and generated tasks.
    /// </summary>
    public required bool UsesRealData { get; init; }

    /// <summary>Input resolution in pixels (a multiple of 32 for the ResNet).</summary>
    public int ImageSize { get; init; } = 32;

    /// <summary>Split sizes of every task.</summary>
    public required SplitSizes Sizes { get; init; }

    /// <summary>Fine-tuning budget and optimizer (mode and seed are set per run).</summary>
    public required FineTuneOptions FineTune { get; init; }

    /// <summary>How the frozen heads are fitted.</summary>
    public ProbeOptions Probe { get; init; } = new();

    /// <summary>Points per axis of the ξ(α1, α2) maps on [−3, 3]².</summary>
    public int DisentanglementGrid { get; init; } = 21;

    /// <summary>Test examples per task used for the ξ maps.</summary>
    public int DisentanglementExamples { get; init; } = 50;

    /// <summary>Examples per task for the empirical NTK (Figure 5).</summary>
    public int NtkExamplesPerTask { get; init; } = 32;

    /// <summary>Rounds of the cost-of-linearization timing.</summary>
    public int CostRounds { get; init; } = 3;

    /// <summary>Seed of data splits and initializations.</summary>
    public long Seed { get; init; }

    /// <summary>
    /// The offline default: ImageNet ResNet-18 at 32 px, four tasks + a control task, 100 steps per fine-tuning.
    /// </summary>
    public static Preset Mini { get; } = new()
    {
        Name = "mini",
        UsesRealData = true,
        Sizes = new SplitSizes(900, 300, 500),
        DisentanglementExamples = 100,
        FineTune = new FineTuneOptions { Steps = 100, BatchSize = 32, LearningRate = 1e-4, WarmupSteps = 10,
            CheckpointEvery = 25 },
    };

    /// <summary>Generated data and a small ResNet: the whole pipeline in seconds.</summary>
    public static Preset Tiny { get; } = new()
    {
        Name = "tiny",
        UsesRealData = false,
        Sizes = new SplitSizes(64, 32, 48),
        FineTune = new FineTuneOptions { Steps = 12, BatchSize = 16, LearningRate = 3e-3, WarmupSteps = 2,
            CheckpointEvery = 4 },
        Probe = new ProbeOptions(Steps: 100),
        DisentanglementGrid = 7,
        DisentanglementExamples = 16,
        NtkExamplesPerTask = 8,
        CostRounds = 1,
    };

    /// <summary>A preset by name; the error lists the known ones.</summary>
    public static Preset Named(string name) => name switch
    {
        "mini" => Mini,
        "tiny" => Tiny,
        "paper" => throw new NotSupportedException("the paper preset needs CLIP ViT weights and the eight paper " +
            "datasets, which are not available offline; see the README."),
        _ => throw new ArgumentException($"unknown preset '{name}'; known: tiny, mini (paper needs CLIP weights).",
            nameof(name)),
    };
}
