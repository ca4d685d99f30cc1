using System.Text.Json.Serialization;

namespace TangentKit.Training;

/// <summary>How a model is fine-tuned (paper §3, §5): the whole network, or its linearization around θ0.</summary>
public enum FineTuneMode
{
    /// <summary>Standard ("non-linear") fine-tuning of f(x; θ); τ = θ* − θ0.</summary>
    Standard,
    /// <summary>
    /// Linearized fine-tuning of f_lin(x; θ0 + δ) = f(x; θ0) + J·δ, training δ from 0 with θ0 frozen; τ = δ*.
    /// </summary>
    Linear,
}

/// <summary>
/// Fine-tuning hyper-parameters. Defaults follow the paper's protocol (AdamW, weight decay 0.1, linear warm-up then
/// cosine decay, gradient clipping at norm 1.0, cross-entropy through a frozen head); steps and learning rate are per
/// preset.
/// </summary>
public sealed record FineTuneOptions
{
    /// <summary>Standard or linear fine-tuning.</summary>
    public FineTuneMode Mode { get; init; } = FineTuneMode.Standard;

    /// <summary>Optimization steps.</summary>
    public int Steps { get; init; } = 100;

    /// <summary>Examples per step.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Peak learning rate (reached at the end of warm-up).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>
    /// AdamW's decoupled weight decay. As in the reference code it pulls the full weights θ toward 0 in both modes
    /// (for linear fine-tuning θ = θ0 + δ, so δ decays toward −θ0).
    /// </summary>
    public double WeightDecay { get; init; } = 0.1;

    /// <summary>Linear warm-up steps before the cosine decay.</summary>
    public int WarmupSteps { get; init; } = 10;

    /// <summary>Maximum global L2 norm of the gradient (clipped above).</summary>
    public double ClipNorm { get; init; } = 1.0;

    /// <summary>Seed of the data order.</summary>
    public long Seed { get; init; }

    /// <summary>Write a checkpoint every this many steps (0: never); needs a run directory.</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>
    /// Smallest area fraction of the seeded random resized crop applied to every training batch (the paper's
    /// training transform); 1 turns augmentation off.
    /// </summary>
    public double CropScaleMin { get; init; } = 1;

    /// <summary>Steps between validation-accuracy measurements of the run's curve (0: no curve).</summary>
    public int EvaluateEvery { get; init; }

    /// <summary>
    /// Gradient accumulation: each batch goes through the network in this many equal parts whose gradients add up to
    /// the whole batch's mean (the same update with less device memory; ViT-L/14 in the paper preset). 0 (the
    /// default) or 1: the whole batch at once; 0 is not written to run identities, so earlier run directories and
    /// result fingerprints stay valid.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int MicroBatches { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (Steps <= 0) throw new ArgumentException($"Steps must be positive, got {Steps}.", nameof(Steps));
        if (BatchSize <= 0)
            throw new ArgumentException($"BatchSize must be positive, got {BatchSize}.", nameof(BatchSize));
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new ArgumentException($"LearningRate must be a positive number, got {LearningRate}.",
                nameof(LearningRate));
        if (WeightDecay < 0)
            throw new ArgumentException($"WeightDecay must be ≥ 0, got {WeightDecay}.", nameof(WeightDecay));
        if (WarmupSteps < 0)
            throw new ArgumentException($"WarmupSteps must be ≥ 0, got {WarmupSteps}.", nameof(WarmupSteps));
        if (!(ClipNorm > 0))
            throw new ArgumentException($"ClipNorm must be positive, got {ClipNorm}.", nameof(ClipNorm));
        if (!(CropScaleMin > 0 && CropScaleMin <= 1))
            throw new ArgumentException($"CropScaleMin must be in (0, 1], got {CropScaleMin}.", nameof(CropScaleMin));
        if (MicroBatches < 0 || MicroBatches > BatchSize)
            throw new ArgumentException($"MicroBatches must be in 0..BatchSize ({BatchSize}; 0 or 1: no " +
                $"accumulation), got {MicroBatches}.", nameof(MicroBatches));
        if (EvaluateEvery < 0)
            throw new ArgumentException($"EvaluateEvery must be ≥ 0, got {EvaluateEvery}.", nameof(EvaluateEvery));
        if (CheckpointEvery < 0)
            throw new ArgumentException($"CheckpointEvery must be ≥ 0, got {CheckpointEvery}.",
                nameof(CheckpointEvery));
    }
}
