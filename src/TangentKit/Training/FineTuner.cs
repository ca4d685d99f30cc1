using System.Diagnostics;
using System.Text.Json;
using TangentKit.Data;
using TangentKit.IO;
using TangentKit.Models;
using TangentKit.TaskVectors;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Training;

/// <summary>The outcome of a fine-tuning run.</summary>
/// <param name="TaskVector">τ = θ* − θ0 (standard) or δ* (linear).</param>
/// <param name="Losses">Training loss of every step, resumed steps included.</param>
/// <param name="ResumedFromStep">The checkpoint step the run continued from (0: started fresh).</param>
/// <param name="FromCache">True when the run had already finished and its task vector was read back.</param>
/// <param name="ValidationCurve">
/// Validation accuracy after 0, <see cref="FineTuneOptions.EvaluateEvery"/>, 2·… steps and at the end (empty when
/// not measured).
/// </param>
public sealed record FineTuneResult(TaskVector TaskVector, IReadOnlyList<double> Losses, int ResumedFromStep,
    bool FromCache, IReadOnlyList<CurvePoint> ValidationCurve);

/// <summary>Validation accuracy after <paramref name="Step"/> optimization steps.</summary>
public sealed record CurvePoint(int Step, double Accuracy);

/// <summary>
/// Runs fine-tuning (standard or linear) as a resumable, cached run. With a run directory it writes
/// <c>options.json</c>, a checkpoint (weights, AdamW moments, step, losses; atomically) every
/// <see cref="FineTuneOptions.CheckpointEvery"/> steps, and finally <c>task_vector.safetensors</c> and
/// <c>metrics.json</c>.
/// A finished run is read back; an interrupted one resumes from its checkpoint and ends with the same task vector.
/// Produces every task vector of Tables 1–2 and Figures 2–4.
/// Shown in notebooks/00-quickstart.
/// </summary>
public static class FineTuner
{
    /// <summary>File names inside a run directory.</summary>
    public const string OptionsFile = "options.json", CheckpointFile = "checkpoint.safetensors",
        TaskVectorFile = "task_vector.safetensors", MetricsFile = "metrics.json", CurveFile = "validation.json";

    /// <summary>
    /// Fine-tunes <paramref name="model"/> from <paramref name="theta0"/> on <paramref name="train"/> through the
    /// frozen <paramref name="head"/>; with <paramref name="validation"/> and
    /// <see cref="FineTuneOptions.EvaluateEvery"/> it also records the validation-accuracy curve.
    /// </summary>
    /// <example>
    /// <code>
    /// var options = new FineTuneOptions { Mode = FineTuneMode.Linear, Steps = 500 };
    /// var run = FineTuner.Run(model, theta0, head, task.Train, options, runDirectory: "runs/mnist-linear");
    /// TaskVector tau = run.TaskVector;                   // δ* (linear) or θ* − θ0 (standard)
    /// </code>
    /// </example>
    public static FineTuneResult Run(IFunctionalModel model, ParameterSet theta0, FrozenHead head, LabeledData train,
        FineTuneOptions options, string? runDirectory = null, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default, LabeledData? validation = null)
    {
        options.Validate();
        if (options.CheckpointEvery > 0 && runDirectory is null)
            throw new ArgumentException("CheckpointEvery needs a run directory to write checkpoints into.",
                nameof(runDirectory));
        if (runDirectory is not null)
        {
            // fingerprints only where a directory is shared
            RunIdentity.Of(model, theta0, train, options).ClaimOrVerify(runDirectory);
            var cached = Path.Combine(runDirectory, TaskVectorFile);
            if (File.Exists(cached))
                return new FineTuneResult(TaskVector.Load(cached, theta0.Device), ReadLosses(runDirectory), 0,
                    FromCache: true, ReadCurve(runDirectory, int.MaxValue));
        }

        using var state = new FineTuningState(model, theta0, options.Mode);
        var losses = new List<double>();
        int start = runDirectory is null
            ? 0
            : Checkpoint.TryRestore(Path.Combine(runDirectory, CheckpointFile), state, losses);
        var schedule = new BatchSchedule(train.Count, options.BatchSize, options.Seed);
        bool measure = validation is not null && options.EvaluateEvery > 0;
        var curve = runDirectory is null ? [] : ReadCurve(runDirectory, start).ToList();
        void Measure(int steps)
        {
            if (!measure || curve.Any(p => p.Step == steps)) return;
            curve.Add(new CurvePoint(steps, ValidationAccuracy(state, head, validation!)));
            if (runDirectory is not null)
                AtomicFile.WriteAllText(Path.Combine(runDirectory, CurveFile), JsonSerializer.Serialize(curve));
        }
        if (start == 0) Measure(0);
        var clock = Stopwatch.StartNew();
        using var batches = train.TrainingBatches(schedule.IndicesForStep, start, options.Steps, options.CropScaleMin,
            options.Seed).GetEnumerator();
        for (int step = start; step < options.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double lr = LearningRateSchedule.At(step, options.LearningRate, options.WarmupSteps, options.Steps);
            using (var scope = NewDisposeScope())
            {
                batches.MoveNext();                          // the batch's tensors belong to this step's scope
                var (inputs, labels) = batches.Current;
                losses.Add(state.Step(inputs, labels, head, lr, options));
            }
            if (measure && ((step + 1) % options.EvaluateEvery == 0 || step + 1 == options.Steps)) Measure(step + 1);
            if (runDirectory is not null && options.CheckpointEvery > 0 && (step + 1) % options.CheckpointEvery == 0
                && step + 1 < options.Steps)
                Checkpoint.Write(Path.Combine(runDirectory, CheckpointFile), state, losses);
            progress?.Report(new TrainingProgress(step + 1, options.Steps, losses[^1], lr, clock.Elapsed,
                step + 1 - start));
        }

        var taskVector = state.ToTaskVector();
        if (runDirectory is not null)
        {
            taskVector.Save(Path.Combine(runDirectory, TaskVectorFile));
            AtomicFile.WriteAllText(Path.Combine(runDirectory, MetricsFile), JsonSerializer.Serialize(
                new { losses, seconds = clock.Elapsed.TotalSeconds, resumedFromStep = start },
                new JsonSerializerOptions { WriteIndented = true }));
            File.Delete(Path.Combine(runDirectory, CheckpointFile));
        }
        return new FineTuneResult(taskVector, losses, start, FromCache: false, curve);
    }

    // Top-1 accuracy of the run's current weights on the validation split (no autograd).
    static double ValidationAccuracy(FineTuningState state, FrozenHead head, LabeledData validation)
    {
        long correct = 0;
        using var noGrad = no_grad();
        foreach (var (x, y) in validation.Batches(256))
        {
            using var scope = NewDisposeScope();
            using (x) using (y)                         // streamed batches own their memory: free each one now
            {
                var logits = head.Logits(state.Features(x));
                correct += logits.argmax(-1).eq(y.OnDeviceOf(logits)).sum().item<long>();
            }
        }
        return (double)correct / validation.Count;
    }

    // The curve recorded so far, up to step `upTo` (a resumed run re-measures what came after its checkpoint).
    static IReadOnlyList<CurvePoint> ReadCurve(string runDirectory, int upTo)
    {
        var path = Path.Combine(runDirectory, CurveFile);
        if (!File.Exists(path)) return [];
        var points = JsonSerializer.Deserialize<List<CurvePoint>>(File.ReadAllText(path)) ?? [];
        return points.Where(p => p.Step <= upTo).ToList();
    }

    static IReadOnlyList<double> ReadLosses(string runDirectory)
    {
        var path = Path.Combine(runDirectory, MetricsFile);
        if (!File.Exists(path)) return [];
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("losses").EnumerateArray().Select(e => e.GetDouble()).ToList();
    }
}
