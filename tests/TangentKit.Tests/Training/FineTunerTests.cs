using TangentKit.Data;
using TangentKit.Linearization;
using TangentKit.Models;
using TangentKit.TaskVectors;
using TangentKit.Training;

namespace TangentKit.Tests.Training;

public sealed class FineTunerTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), $"tangentkit-tests-{Guid.NewGuid():N}");
    readonly Mlp _model = new([8, 16, 6]);
    readonly ParameterSet _theta0;
    readonly FrozenHead _head;
    readonly LabeledData _train = Blobs.Make(perClass: 12, classes: 3, dim: 8, seed: 5);
    readonly LabeledData _validation = Blobs.Make(perClass: 10, classes: 3, dim: 8, seed: 6);

    public FineTunerTests()
    {
        _theta0 = _model.Initialize(1);
        _head = new FrozenHead(randn(3, 6, generator: new Generator(9)) * 3);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    static FineTuneOptions Options(FineTuneMode mode, int steps = 12) =>
        new() { Mode = mode, Steps = steps, BatchSize = 8, LearningRate = 0.05, WarmupSteps = 2, Seed = 4 };

    static double MaxDiff(TaskVector a, TaskVector b) =>
        a.Entries.Names.Max(n => (a.Entries[n] - b.Entries[n]).abs().max().ToDouble());

    [Theory]
    [InlineData(FineTuneMode.Standard)]
    [InlineData(FineTuneMode.Linear)]
    public void Fine_tuning_lowers_the_training_loss(FineTuneMode mode)
    {
        var result = FineTuner.Run(_model, _theta0, _head, _train, Options(mode, steps: 40));
        Assert.Equal(40, result.Losses.Count);
        Assert.True(result.Losses.TakeLast(5).Average() < 0.5 * result.Losses.Take(5).Average(),
            $"{mode}: loss {result.Losses.Take(5).Average():F3} → {result.Losses.TakeLast(5).Average():F3}");
    }

    [Fact]
    public void Linear_fine_tuning_keeps_theta0_frozen_and_its_task_vector_is_the_trained_delta()
    {
        using var before = _theta0.Clone();
        var result = FineTuner.Run(_model, _theta0, _head, _train, Options(FineTuneMode.Linear));
        foreach (var n in _theta0.Names) Assert.True(_theta0[n].allclose(before[n], rtol: 0, atol: 0), $"{n} changed");
        Assert.True(result.TaskVector.Norm() > 0);
        // The trained linear model's training loss is that of f(x; θ0) + J·τ through the head.
        var lin = _model.Linearize(_theta0);
        using var logits = _head.Logits(result.TaskVector.ApplyTo(lin).Forward(_train.Inputs));
        Assert.True(nn.functional.cross_entropy(logits, _train.Labels).item<float>() < result.Losses[0]);
    }

    [Theory]
    [InlineData(FineTuneMode.Standard)]
    [InlineData(FineTuneMode.Linear)]
    public void A_run_killed_mid_way_and_resumed_ends_with_the_same_task_vector(FineTuneMode mode)
    {
        var options = Options(mode) with { CheckpointEvery = 4, EvaluateEvery = 3 };
        var uninterrupted = FineTuner.Run(_model, _theta0, _head, _train, options, Path.Combine(_root, "whole"),
            validation: _validation);

        var dir = Path.Combine(_root, "killed");
        using var cts = new CancellationTokenSource();
        var stopAfter6 = new SyncProgress(p => { if (p.Step == 6) cts.Cancel(); });
        Assert.Throws<OperationCanceledException>(() =>
            FineTuner.Run(_model, _theta0, _head, _train, options, dir, stopAfter6, cts.Token, _validation));
        Assert.True(File.Exists(Path.Combine(dir, FineTuner.CheckpointFile)));
        Assert.False(File.Exists(Path.Combine(dir, FineTuner.TaskVectorFile)));

        var resumed = FineTuner.Run(_model, _theta0, _head, _train, options, dir, validation: _validation);
        Assert.Equal(4, resumed.ResumedFromStep);
        Assert.Equal(0.0, MaxDiff(uninterrupted.TaskVector, resumed.TaskVector));
        Assert.Equal(uninterrupted.Losses, resumed.Losses);
        Assert.Equal([0, 3, 6, 9, 12], uninterrupted.ValidationCurve.Select(p => p.Step));
        Assert.Equal(uninterrupted.ValidationCurve, resumed.ValidationCurve);        // re-measured after step 4

        var cached = FineTuner.Run(_model, _theta0, _head, _train, options, dir);
        Assert.True(cached.FromCache);
        Assert.Equal(uninterrupted.ValidationCurve, cached.ValidationCurve);
        Assert.Equal(0.0, MaxDiff(uninterrupted.TaskVector, cached.TaskVector));
    }

    [Theory]
    [InlineData(FineTuneMode.Standard)]
    [InlineData(FineTuneMode.Linear)]
    public void Gradient_accumulation_over_uneven_micro_batches_gives_the_whole_batch_update(FineTuneMode mode)
    {
        var whole = FineTuner.Run(_model, _theta0, _head, _train, Options(mode, steps: 5));
        var parts = FineTuner.Run(_model, _theta0, _head, _train, Options(mode, steps: 5) with { MicroBatches = 3 });
        Assert.True(whole.TaskVector.Norm() > 0);
        for (int i = 0; i < 5; i++) Assert.Equal(whole.Losses[i], parts.Losses[i], 1e-5);   // parts of 2, 3, 3
        Assert.True(MaxDiff(whole.TaskVector, parts.TaskVector) < 1e-6,
            $"max |Δτ| {MaxDiff(whole.TaskVector, parts.TaskVector):E2}");
        Assert.Throws<ArgumentException>(() =>
            FineTuner.Run(_model, _theta0, _head, _train, Options(mode) with { MicroBatches = 9 }));
    }

    [Fact]
    public void A_run_directory_refuses_a_different_experiment()
    {
        var dir = Path.Combine(_root, "run");
        FineTuner.Run(_model, _theta0, _head, _train, Options(FineTuneMode.Standard, steps: 2), dir);
        var e = Assert.Throws<InvalidOperationException>(() =>
            FineTuner.Run(_model, _theta0, _head, _train, Options(FineTuneMode.Linear, steps: 2), dir));
        Assert.Contains(FineTuner.OptionsFile, e.Message);
    }

    [Fact]
    public void A_non_finite_loss_stops_the_run_and_leaves_the_last_good_checkpoint()
    {
        var options = Options(FineTuneMode.Standard) with { CheckpointEvery = 2 };
        var schedule = new BatchSchedule(_train.Count, options.BatchSize, options.Seed);
        // An example first seen at step index 4 (the 5th step), after the checkpoint of step 4.
        var firstSeenAtStep4 = schedule.IndicesForStep(4)
            .First(i => Enumerable.Range(0, 4).All(s => !schedule.IndicesForStep(s).Contains(i)));
        using var poisoned = new LabeledData(_train.Inputs.clone(), _train.Labels.clone());
        poisoned.Inputs[firstSeenAtStep4, 0] = float.NaN;

        var dir = Path.Combine(_root, "nan");
        var e = Assert.Throws<NonFiniteTrainingException>(() =>
            FineTuner.Run(_model, _theta0, _head, poisoned, options, dir));
        Assert.Contains("step 5", e.Message);
        using var checkpoint = ParameterFiles.Load(Path.Combine(dir, FineTuner.CheckpointFile));
        Assert.Equal(4L, checkpoint["state.step"].item<long>());
        Assert.All(checkpoint.Values, t => Assert.True(t.dtype == ScalarType.Int64 || t.isfinite().all().item<bool>()));
    }

    // Progress<T> posts to the thread pool; tests need the callback to run synchronously inside the step loop.
    sealed class SyncProgress(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => onReport(value);
    }

    [Theory]
    [InlineData(FineTuneMode.Standard)]
    [InlineData(FineTuneMode.Linear)]
    public void The_validation_curve_starts_at_theta0_and_ends_at_the_trained_model(FineTuneMode mode)
    {
        var run = FineTuner.Run(_model, _theta0, _head, _train, Options(mode) with { EvaluateEvery = 5 },
            validation: _validation);
        Assert.Equal([0, 5, 10, 12], run.ValidationCurve.Select(p => p.Step));
        // Independent oracle: the network (or f_lin) evaluated directly, not through the run's state.
        double Top1(Func<Tensor, Tensor> encoder) =>
            _head.Logits(encoder(_validation.Inputs)).argmax(-1).eq(_validation.Labels).to_type(ScalarType.Float64)
                .mean().ToDouble();
        var lin = _model.Linearize(_theta0);
        Assert.Equal(Top1(lin.Encoder()), run.ValidationCurve[0].Accuracy, 12);
        var trained = mode == FineTuneMode.Linear ? run.TaskVector.ApplyTo(lin).Encoder()
            : _model.Encoder(run.TaskVector.ApplyTo(_theta0));
        Assert.Equal(Top1(trained), run.ValidationCurve[^1].Accuracy, 12);
    }
}
