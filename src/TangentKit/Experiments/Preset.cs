using TangentKit.Data;
using TangentKit.Models;
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

    /// <summary>Logit scale of the prototype heads (CLIP's 100).</summary>
    public double HeadLogitScale { get; init; } = PrototypeHead.ClipLogitScale;

    /// <summary>Training images per edited task on which a random θ0's batch-norm statistics are computed.</summary>
    public int BatchNormImagesPerTask { get; init; } = 256;

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
    /// Offset of the fine-tuning seed (batch order, augmentation) from <see cref="Seed"/>: <c>--seeds N</c> repeats
    /// fine-tuning with 0 … N − 1 while data, θ0 and heads stay the same.
    /// </summary>
    public long TrainingSeed { get; init; }

    /// <summary>
    /// The offline default: ImageNet ResNet-18 at 32 px, four tasks + a control task, 100 steps per fine-tuning.
    /// </summary>
    public static Preset Mini { get; } = new()
    {
        Name = "mini",
        UsesRealData = true,
        Sizes = new SplitSizes(850, 200, 400, SupportPerClass: 16),
        DisentanglementGrid = 11,
        DisentanglementExamples = 48,
        NtkExamplesPerTask = 16,
        FineTune = new FineTuneOptions { Steps = 100, BatchSize = 32, LearningRate = 3e-4, WarmupSteps = 25,
            CheckpointEvery = 25, EvaluateEvery = 25, CropScaleMin = 0.9 },
    };

    /// <summary>Generated data and a small ResNet: the whole pipeline in seconds.</summary>
    public static Preset Tiny { get; } = new()
    {
        Name = "tiny",
        UsesRealData = false,
        Sizes = new SplitSizes(64, 32, 48),
        FineTune = new FineTuneOptions { Steps = 12, BatchSize = 16, LearningRate = 3e-3, WarmupSteps = 3,
            CheckpointEvery = 4, EvaluateEvery = 4, CropScaleMin = 0.9 },
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
