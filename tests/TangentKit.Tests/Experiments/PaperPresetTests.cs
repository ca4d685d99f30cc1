using System.Diagnostics;
using System.Text.Json;
using TangentKit.Data.Images;
using TangentKit.Data.Paper;
using TangentKit.Data.Text;
using TangentKit.Experiments;
using TangentKit.Models;
using TangentKit.Tests.Data;
using TangentKit.Tests.Models;
using TangentKit.Training;
using Xunit.Abstractions;

namespace TangentKit.Tests.Experiments;

/// The paper preset end to end on the CPU: the nine datasets generated in their real layouts and formats
/// (PaperDataRoot), a tiny random CLIP written as a PyTorch zip with both towers, the fixture BPE vocabulary, and
/// every registered experiment run by Reproduction.Run with libtorch's meta device as the default (so every tensor is
/// placed explicitly), then once more on the same folder. The zero-shot heads' cache goes to a temporary
/// $TANGENTKIT_CACHE, restored afterwards.
public sealed class PaperReproductionFixture : IDisposable
{
    const string CacheVariable = "TANGENTKIT_CACHE";

    /// The image tower: 16 px images in a 2×2 grid of 8 px patches, width 64, one block, 32-dimensional features.
    public static readonly VisionTransformer Vision = new(ImageSize: 16, PatchSize: 8, Width: 64, Layers: 1, Heads: 1,
        OutputDim: 32);

    /// The text tower: the fixture vocabulary's 519 ids, CLIP's context of 77 tokens, one block of width 64.
    public static readonly TextTransformer Text = new(VocabSize: 519, ContextLength: 77, Width: 64, Layers: 1,
        Heads: 1, OutputDim: 32);

    readonly string? _previousCache = Environment.GetEnvironmentVariable(CacheVariable);

    public PaperReproductionFixture()
    {
        try
        {
            var clock = Stopwatch.StartNew();
            Data = PaperDataRoot.Write(Path.Combine(Folder, "data"));
            Vocabulary = ClipTokenizerTests.WriteFixtureVocabulary(Path.Combine(Folder, "bpe_fixture.txt.gz"));
            using (var visual = Vision.Initialize(seed: 3))
            using (var clip = ClipFixtures.StateDict(visual, Text, textSeed: 4))
                ParameterFiles.Save(clip, Weights);
            Environment.SetEnvironmentVariable(CacheVariable, Path.Combine(Folder, "cache"));
            WriteSeconds = clock.Elapsed.TotalSeconds;

            var paper = Preset.Paper("ViT-B-32");
            Preset = paper with
            {
                Name = "paper-test", ClipModel = "tiny-test", ImageSize = 16,
                FineTune = paper.FineTune with
                    { BatchSize = 8, LearningRate = 1e-3, WarmupSteps = 1, CheckpointEvery = 2 },
                EpochsPerTask = paper.EpochsPerTask!.Keys.ToDictionary(t => t, _ => 1),
                DisentanglementGrid = 3, DisentanglementExamples = 8, NtkExamplesPerTask = 4, CostRounds = 1,
            };
            var inputs = new PaperInputs(Weights, Data.Root, Vocabulary);
            clock.Restart();
            var progress = new LineProgress(line =>
            {
                Log.Add(line);
                TimedLog.Add($"{clock.Elapsed.TotalSeconds,6:F1} s  {line}");
            });
            Suite = Suite.Open(Preset, Results, progress, dataCache: null, device: CPU, paper: inputs);
            using (new MetaDefaultDevice()) Index = Reproduction.Run(Suite);
            RunSeconds = clock.Elapsed.TotalSeconds;
            Stamp = File.GetLastWriteTimeUtc(StampFile);

            clock.Restart();
            using var again = Suite.Open(Preset, Results, new LineProgress(SecondLog.Add), dataCache: null,
                device: CPU, paper: inputs);
            using (new MetaDefaultDevice()) Reproduction.Run(again);
            SecondRunLoadedData = again.IsDataLoaded;
            SecondRunSeconds = clock.Elapsed.TotalSeconds;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Folder { get; } = Directory.CreateTempSubdirectory("tangentkit-paper-run-").FullName;
    public string Results => Path.Combine(Folder, "results");
    public string Weights => Path.Combine(Folder, "tiny-clip.pt");
    public string Vocabulary { get; } = "";
    public PaperDataRoot Data { get; } = null!;
    public Preset Preset { get; } = null!;
    public Suite Suite { get; } = null!;
    public string Index { get; } = "";
    public List<string> Log { get; } = [];
    public List<string> SecondLog { get; } = [];
    public List<string> TimedLog { get; } = [];
    public bool SecondRunLoadedData { get; }
    public double WriteSeconds { get; }
    public double RunSeconds { get; }
    public double SecondRunSeconds { get; }

    /// A result file of an experiment that caches its own numbers (not redrawn from the others).
    public string StampFile => Path.Combine(Results, ExperimentRegistry.Stem(Experiment.Addition) + ".json");
    public DateTime Stamp { get; }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(CacheVariable, _previousCache);
        Suite?.Dispose();
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
    }
}

/// Checks of the paper run against oracles outside the pipeline: heads from the text tower loaded on its own and
/// normalized in double by hand; zero-shot accuracies from the test files the fixture wrote (with the labels it wrote
/// them for) through the image tower loaded on its own; split sizes from the counts written and the rule
/// min(⌊n / 10⌋, 5000); fine-tuning steps from epochs · ⌈n_train / batch⌉.
public sealed class PaperPresetTests(PaperReproductionFixture paper, ITestOutputHelper output)
    : IClassFixture<PaperReproductionFixture>
{
    Suite Suite => paper.Suite;

    [Fact]
    public void Every_registered_experiment_writes_its_result_table_and_section()
    {
        output.WriteLine($"data and weights written in {paper.WriteSeconds:F1} s; reproduction " +
            $"{paper.RunSeconds:F1} s; second run {paper.SecondRunSeconds:F1} s");
        foreach (var line in paper.TimedLog) output.WriteLine(line);
        var html = File.ReadAllText(paper.Index);
        foreach (var e in ExperimentRegistry.All)
        {
            Assert.True(File.Exists(Path.Combine(paper.Results, e.Stem + ".json")), e.Stem + ".json");
            Assert.True(File.Exists(Path.Combine(paper.Results, e.Stem + ".csv")), e.Stem + ".csv");
            Assert.Contains($"id=\"{e.Stem}\"", html);
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(paper.Results, e.Stem + ".json")));
            Assert.Equal("paper-test", doc.RootElement.GetProperty(e.Derived ? "preset" : "Preset").GetString());
        }
        Assert.Equal(PaperDatasets.Tasks, Suite.Tasks.Select(t => t.Name));
        Assert.Equal(PaperDatasets.Control, Suite.Data.Control.Name);
        Assert.Contains("pretrained backbone: θ0 and one zero-shot text head per task", paper.Log);
    }

    [Fact]
    public void Each_split_has_the_images_written_and_validation_follows_the_tenth_capped_at_5000()
    {
        foreach (var task in Suite.Data.AllTasks)
        {
            int pool = paper.Data.Pool[task.Name];
            Assert.Equal(task.Classes.Count, ZeroShotPrompts.Get(task.Name).Classes.Count);
            Assert.Equal(paper.Data.Test[task.Name], task.Test.Count);
            if (task.Name == "eurosat")
            {
                Assert.Equal(pool, task.Train.Count);                                    // its own val folder
                Assert.Equal(paper.Data.EuroSatValidation, task.Validation.Count);
                continue;
            }
            Assert.Equal(Math.Min(pool / 10, 5000), task.Validation.Count);
            Assert.Equal(pool, task.Train.Count + task.Validation.Count);
        }
        int[] classes = [196, 47, 10, 43, 10, 45, 397, 10, 1000];
        Assert.Equal(classes, Suite.Data.AllTasks.Select(t => t.Classes.Count));
    }

    [Fact]
    public void The_zero_shot_head_is_the_reference_recipe_on_the_text_tower_loaded_on_its_own()
    {
        using var text = ClipTextTower.Load(paper.Weights);
        Assert.Equal(PaperReproductionFixture.Text, text.Model);
        var tokenizer = ClipTokenizer.Load(paper.Vocabulary);
        var prompts = ZeroShotPrompts.Get("eurosat");
        int c = prompts.Classes.Count, t = prompts.Templates.Count, d = PaperReproductionFixture.Text.OutputDim;
        var e = new double[c, t, d];
        for (int i = 0; i < c; i++)
            for (int j = 0; j < t; j++)
            {
                using var ids = tokenizer.Encode([prompts.Texts(i)[j]], 77);
                using var f = text.Encode(ids);
                for (int k = 0; k < d; k++) e[i, j, k] = f[0, k].ToDouble();
            }
        var reference = ZeroShotHeadTests.ReferenceHead(e, 100);
        var head = Suite.Data.TextHeads!["eurosat"];
        Assert.Equal([c, d], head.Weight.shape.Select(s => (int)s));
        var got = head.Weight.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        for (int i = 0; i < c; i++)
            for (int k = 0; k < d; k++)
                Assert.True(Math.Abs(reference[i, k] - got[i * d + k]) <= 1e-4,
                    $"W[{i}, {k}] = {got[i * d + k]}, the reference recipe gives {reference[i, k]}");
        // The head was cached under $TANGENTKIT_CACHE/heads/<checkpoint key>/.
        Assert.Single(Directory.GetFiles(Path.Combine(paper.Folder, "cache", "heads"), "eurosat.safetensors",
            SearchOption.AllDirectories));
    }

    [Fact]
    public void Zero_shot_accuracies_in_figure_2_are_those_of_the_towers_on_the_files_written()
    {
        using var clip = ClipCheckpoint.Load(paper.Weights);
        var tokenizer = ClipTokenizer.Load(paper.Vocabulary);
        var transform = new ClipPreprocessing(16);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(paper.Results,
            ExperimentRegistry.Stem(Experiment.SingleTask) + ".json")));
        var rows = doc.RootElement.GetProperty("Result").GetProperty("Rows").EnumerateArray()
            .ToDictionary(r => r.GetProperty("Task").GetString()!, r => r.GetProperty("ZeroShot")
                .GetProperty("Value").GetDouble());
        int hits = 0;
        foreach (var (task, files) in paper.Data.TestFiles.Where(kv => kv.Key != PaperDatasets.Control))
        {
            using var head = ZeroShotHead.Build(clip.Text, tokenizer, ZeroShotPrompts.Get(task));
            var pixels = new float[files.Count * 3 * 16 * 16];
            for (int i = 0; i < files.Count; i++)
                transform.Evaluation(ImageDecoding.Decode(files[i].File), pixels.AsSpan(i * 768, 768));
            using var x = tensor(pixels, [files.Count, 3, 16, 16]);
            using var features = clip.Image.Encode(x);
            using var logits = head.Logits(features);
            var predicted = logits.argmax(-1).data<long>().ToArray();
            int correct = files.Where((f, i) => predicted[i] == f.Label).Count();
            hits += correct;
            output.WriteLine($"{task}: {correct} of {files.Count} test images right at θ0");
            Assert.Equal((double)correct / files.Count, rows[task], 12);
        }
        Assert.True(hits > 0, "no zero-shot hit at all: the comparison above would be of zeros only");
    }

    [Fact]
    public void Each_fine_tuning_run_takes_its_epochs_times_the_batches_of_its_training_split()
    {
        int batch = paper.Preset.FineTune.BatchSize;
        int runs = 0;
        foreach (var task in Suite.Tasks)
        {
            int pool = paper.Data.Pool[task.Name];
            int train = task.Name == "eurosat" ? pool : pool - Math.Min(pool / 10, 5000);
            int steps = 1 * ((train + batch - 1) / batch);                   // one epoch in this preset
            Assert.Equal(steps, paper.Preset.FineTuneFor(task).Steps);
            foreach (var backbone in new[] { "pretrained", "random" })
                foreach (var mode in new[] { "standard", "linear" })
                {
                    var metrics = Path.Combine(paper.Results, "runs", $"{backbone}-seed0", task.Name, mode,
                        FineTuner.MetricsFile);
                    Assert.True(File.Exists(metrics), metrics);
                    using var doc = JsonDocument.Parse(File.ReadAllText(metrics));
                    Assert.Equal(steps, doc.RootElement.GetProperty("losses").GetArrayLength());
                    runs++;
                }
        }
        Assert.Equal(32, runs);
    }

    [Fact]
    public void A_second_run_on_the_same_folder_reads_every_result_back_without_loading_anything()
    {
        Assert.False(paper.SecondRunLoadedData, "the second run loaded the data");
        Assert.DoesNotContain(paper.SecondLog, l => l.StartsWith("fine-tune"));
        Assert.Contains(paper.Log, l => l.StartsWith("fine-tune"));
        Assert.Equal(paper.Stamp, File.GetLastWriteTimeUtc(paper.StampFile));
    }
}
