using TangentKit.Data;
using TangentKit.Experiments;
using TangentKit.Native;

namespace TangentKit.Tests.Experiments;

/// The paper preset's protocol against research/paper.md §3.6 (the reference code's values), and the device option.
public sealed class PresetTests
{
    [Theory]
    [InlineData("paper", "ViT-B-32", 1)]
    [InlineData("paper-vit-b-16", "ViT-B-16", 1)]
    [InlineData("paper-vit-l-14", "ViT-L-14", 2)]
    public void The_paper_preset_has_the_reference_codes_hyper_parameters(string name, string model, int microBatches)
    {
        var p = Preset.Named(name);
        Assert.Equal(model, p.ClipModel);
        Assert.Equal("paper-" + model.ToLowerInvariant(), p.Name);
        var o = p.FineTune;
        Assert.Equal((1e-5, 0.1, 128, 500, 1.0, 0.9), (o.LearningRate, o.WeightDecay, o.BatchSize, o.WarmupSteps,
            o.ClipNorm, o.CropScaleMin));
        Assert.Equal(microBatches, o.MicroBatches);                 // ViT-L/14: 64 × 2 in the reference code
        Assert.Equal(224, p.ImageSize);
        var epochs = new Dictionary<string, int>
        {
            ["cars"] = 35, ["dtd"] = 76, ["eurosat"] = 12, ["gtsrb"] = 11, ["mnist"] = 5, ["resisc45"] = 15,
            ["sun397"] = 14, ["svhn"] = 4,
        };
        Assert.Equal(epochs.OrderBy(kv => kv.Key), p.EpochsPerTask!.OrderBy(kv => kv.Key));
    }

    [Theory]
    [InlineData("dtd", 3384, 76 * 27)]            // ⌈3384 / 128⌉ = 27 batches per epoch
    [InlineData("mnist", 55000, 5 * 430)]         // ⌈55000 / 128⌉ = 430 (429.7)
    [InlineData("svhn", 68257, 4 * 534)]          // ⌈68257 / 128⌉ = 534 (533.3)
    public void A_paper_tasks_steps_are_its_epochs_times_its_batches_per_epoch(string task, int train, int steps)
    {
        using var t = new ImageTask(task, ["a", "b"], Empty(0), Empty(train), Empty(1), Empty(1));
        Assert.Equal(steps, Preset.Paper().FineTuneFor(t).Steps);
        Assert.Equal(Preset.Mini.FineTune.Steps, Preset.Mini.FineTuneFor(t).Steps);
        using var unknown = new ImageTask("letters", ["a"], Empty(0), Empty(5), Empty(1), Empty(1));
        Assert.Contains("no epochs for task 'letters'",
            Assert.Throws<ArgumentException>(() => Preset.Paper().FineTuneFor(unknown)).Message);
    }

    static LabeledData Empty(int n) =>
        new(zeros([n, 1], device: CPU), zeros([n], dtype: ScalarType.Int64, device: CPU));

    [Fact]
    public void The_paper_presets_settings_are_not_written_for_the_other_presets()
    {
        // Result fingerprints and run identities (options.json) are JSON of the preset and options: settings that
        // tiny and mini leave at their defaults must not appear, so their earlier results and runs stay valid.
        foreach (var p in new[] { Preset.Tiny, Preset.Mini })
        {
            var json = System.Text.Json.JsonSerializer.Serialize(p, TangentKit.Reporting.ResultStore.Json);
            foreach (var key in new[] { "ClipModel", "EpochsPerTask", "MicroBatches" })
                Assert.DoesNotContain($"\"{key}\"", json);
        }
        var paper = System.Text.Json.JsonSerializer.Serialize(Preset.Paper("ViT-L-14"),
            TangentKit.Reporting.ResultStore.Json);
        Assert.Matches("\"MicroBatches\":\\s*2", paper);
    }

    [Fact]
    public void Unknown_presets_and_models_are_refused_with_the_known_names()
    {
        Assert.Contains("paper-vit-l-14", Assert.Throws<ArgumentException>(() => Preset.Named("huge")).Message);
        Assert.Contains("ViT-B-32, ViT-B-16, ViT-L-14",
            Assert.Throws<ArgumentException>(() => Preset.Paper("ViT-H-14")).Message);
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData(" CPU ")]
    public void The_cpu_device_parses(string text) => Assert.Equal(DeviceType.CPU, Devices.Parse(text).type);

    [Theory]
    [InlineData("cuda", "-p:TorchBackend=cuda")]                // this build references the CPU libtorch
    [InlineData("cuda:1", "-p:TorchBackend=cuda")]
    [InlineData("gpu0", "use cpu, cuda or cuda:N")]
    [InlineData("cuda:-1", "use cpu, cuda or cuda:N")]
    public void A_device_this_build_cannot_use_is_refused_saying_why(string text, string expected)
    {
        Assert.Equal("cpu", NativeLayout.BuildBackend);
        Assert.Contains(expected, Assert.Throws<ArgumentException>(() => Devices.Parse(text)).Message);
    }
}
