using System.Text.Json.Serialization;
using TangentKit.Data;
using TangentKit.Models;
using TangentKit.Training;

namespace TangentKit.Experiments;

/// <summary>
/// Everything that differs between the kit's reproductions: backbone, data, budgets and grids. <see cref="Mini"/> is
/// the offline default (ImageNet ResNet-18, real tasks, 2 CPU cores, ≤ 20 minutes cold); <see cref="Tiny"/> runs the
/// same pipeline on generated data in seconds (tests, notebook CI); <see cref="Paper"/> is the paper's own protocol
/// (CLIP ViTs, the eight tasks and ImageNet, a CUDA GPU).
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

    /// <summary>Split sizes of every task (the paper preset uses the datasets' own splits instead).</summary>
    public required SplitSizes Sizes { get; init; }

    /// <summary>
    /// The paper's CLIP model (<c>ViT-B-32</c>, <c>ViT-B-16</c>, <c>ViT-L-14</c>) for the paper preset; null for the
    /// ResNet presets.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ClipModel { get; init; }

    /// <summary>
    /// Epochs per task (paper preset): a task's steps are epochs · ⌈training images / batch⌉, as the reference code
    /// counts them; null: <see cref="FineTuneOptions.Steps"/> for every task.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, int>? EpochsPerTask { get; init; }

    /// <summary>The fine-tuning options of <paramref name="task"/> (paper preset: steps from its epochs).</summary>
    public FineTuneOptions FineTuneFor(ImageTask task)
    {
        if (EpochsPerTask is null) return FineTune;
        if (!EpochsPerTask.TryGetValue(task.Name, out int epochs))
            throw new ArgumentException($"preset {Name} gives no epochs for task '{task.Name}'; it has " +
                $"{string.Join(", ", EpochsPerTask.Keys)}.", nameof(task));
        long perEpoch = (task.Train.Count + FineTune.BatchSize - 1) / FineTune.BatchSize;
        return FineTune with { Steps = checked((int)(epochs * perEpoch)) };
    }

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

    /// <summary>The CLIP models of the paper preset, by the names open_clip gives them.</summary>
    public static IReadOnlyList<string> ClipModels { get; } = ["ViT-B-32", "ViT-B-16", "ViT-L-14"];

    /// <summary>
    /// The paper's protocol on CLIP <paramref name="clipModel"/> (research/paper.md §3.6): AdamW at 1e-5 with weight
    /// decay 0.1 on every weight, batch 128 (ViT-L/14: two micro-batches of 64), 500 warm-up steps then cosine decay,
    /// clipping at norm 1, the reference code's epochs per task, RandomResizedCrop(224, scale 0.9–1); α grids as the
    /// mini suite's (Tables 1–2: 0, 0.05, …, 1; ξ maps: [−3, 3]²). Needs the CLIP weights, the datasets and a GPU.
    /// </summary>
    public static Preset Paper(string clipModel = "ViT-B-32")
    {
        if (!ClipModels.Contains(clipModel))
            throw new ArgumentException($"unknown CLIP model '{clipModel}'; the paper uses " +
                $"{string.Join(", ", ClipModels)}.", nameof(clipModel));
        return new Preset
        {
            Name = "paper-" + clipModel.ToLowerInvariant(),
            UsesRealData = true,
            ClipModel = clipModel,
            ImageSize = 224,
            Sizes = new SplitSizes(0, 0, 0, SupportPerClass: 0),
            FineTune = new FineTuneOptions
            {
                BatchSize = 128, LearningRate = 1e-5, WeightDecay = 0.1, WarmupSteps = 500, ClipNorm = 1.0,
                CropScaleMin = 0.9, CheckpointEvery = 250, EvaluateEvery = 0,
                MicroBatches = clipModel == "ViT-L-14" ? 2 : 1,
            },
            EpochsPerTask = new Dictionary<string, int>
            {
                ["cars"] = 35, ["dtd"] = 76, ["eurosat"] = 12, ["gtsrb"] = 11, ["mnist"] = 5, ["resisc45"] = 15,
                ["sun397"] = 14, ["svhn"] = 4,
            },
            DisentanglementGrid = 21,
            DisentanglementExamples = 2048,
            NtkExamplesPerTask = 64,
            CostRounds = 5,
        };
    }

    /// <summary>
    /// A preset by name: <c>tiny</c>, <c>mini</c>, or <c>paper</c> with a CLIP model (<c>paper-vit-b-32</c>,
    /// <c>paper-vit-b-16</c>, <c>paper-vit-l-14</c>; <c>paper</c> alone is ViT-B/32). The error lists the known ones.
    /// </summary>
    public static Preset Named(string name)
    {
        if (name == "mini") return Mini;
        if (name == "tiny") return Tiny;
        if (name == "paper") return Paper();
        var clip = ClipModels.FirstOrDefault(m => name == "paper-" + m.ToLowerInvariant());
        if (clip is not null) return Paper(clip);
        throw new ArgumentException($"unknown preset '{name}'; known: tiny, mini, paper, " +
            string.Join(", ", ClipModels.Select(m => "paper-" + m.ToLowerInvariant())) + ".", nameof(name));
    }
}
