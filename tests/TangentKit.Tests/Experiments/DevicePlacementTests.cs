using TangentKit.Data;
using TangentKit.Experiments;
using TangentKit.Models;
using TangentKit.TaskVectors;
using TangentKit.Training;

namespace TangentKit.Tests.Experiments;

/// Makes libtorch's meta device the default while alive: a tensor created without an explicit device lands there, and
/// mixing it with CPU tensors fails ("found at least two devices") as reading its values does (meta tensors hold
/// none). Code that runs to the end under it with CPU placement created every tensor on an explicit device — what a
/// CUDA run needs, checked on a CPU-only machine.
sealed class MetaDefaultDevice : IDisposable
{
    public MetaDefaultDevice() => torch.set_default_device(new Device(DeviceType.META));

    public void Dispose() => torch.set_default_device(CPU);
}

public sealed class DevicePlacementTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("tangentkit-device-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_meta_default_device_exposes_a_tensor_created_without_a_device()
    {
        using var cpu = ones(3, device: CPU);
        using (new MetaDefaultDevice())
        {
            using var implicitly = zeros(3);
            Assert.Equal(DeviceType.META, implicitly.device_type);
            Assert.ThrowsAny<Exception>(() => (cpu + implicitly).sum().item<float>());
        }
        using var after = zeros(3);
        Assert.Equal(DeviceType.CPU, after.device_type);
    }

    [Theory]
    [InlineData(FineTuneMode.Standard)]
    [InlineData(FineTuneMode.Linear)]
    public void Fine_tuning_killed_resumed_and_read_back_places_every_tensor_explicitly(FineTuneMode mode)
    {
        var model = ResNet.Tiny();
        using var task = SyntheticTasks.Make(0, 3, new SplitSizes(24, 12, 12, SupportPerClass: 4), 16, seed: 3);
        using var theta0 = model.Initialize(5);
        using var head = PrototypeHead.FromSupport(model.Encoder(theta0), task.Support, 3);
        var options = new FineTuneOptions
        {
            Mode = mode, Steps = 6, BatchSize = 8, LearningRate = 1e-3, WarmupSteps = 1, CheckpointEvery = 2,
            EvaluateEvery = 3, CropScaleMin = 0.9, Seed = 2,
        };
        // The oracle: the same run, uninterrupted, with the CPU as the default device.
        var reference = FineTuner.Run(model, theta0, head, task.Train, options, Path.Combine(_root, "reference"),
            validation: task.Validation);

        var dir = Path.Combine(_root, "meta");
        FineTuneResult resumed, cached;
        using (new MetaDefaultDevice())
        {
            using var cts = new CancellationTokenSource();
            var stopAfter3 = new SyncProgress(p => { if (p.Step == 3) cts.Cancel(); });
            Assert.Throws<OperationCanceledException>(() => FineTuner.Run(model, theta0, head, task.Train, options,
                dir, stopAfter3, cts.Token, task.Validation));
            resumed = FineTuner.Run(model, theta0, head, task.Train, options, dir, validation: task.Validation);
            cached = FineTuner.Run(model, theta0, head, task.Train, options, dir);
        }
        Assert.Equal(2, resumed.ResumedFromStep);
        Assert.True(cached.FromCache);
        foreach (var result in new[] { resumed, cached })
        {
            Assert.Equal(reference.Losses, result.Losses);
            Assert.Equal(reference.ValidationCurve, result.ValidationCurve);
            foreach (var (name, t) in result.TaskVector.Entries)
            {
                Assert.Equal(DeviceType.CPU, t.device_type);
                Assert.Equal(0.0, (t - reference.TaskVector.Entries[name]).abs().max().item<float>());
            }
        }
        reference.TaskVector.Dispose();
        resumed.TaskVector.Dispose();
        cached.TaskVector.Dispose();
    }

    sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
