using System.Text.Json;
using System.Text.RegularExpressions;
using TangentKit.Data;
using TangentKit.Evaluation;
using TangentKit.Experiments;
using TangentKit.Linearization;
using TangentKit.Models;
using TangentKit.Reporting;
using TangentKit.TaskVectors;
using TangentKit.Training;

namespace TangentKit.Tests.Experiments;

/// One tiny reproduction shared by the tests below (its fine-tuning runs happen once). It runs with libtorch's meta
/// device as the default and the CPU named explicitly, so it fails if any step creates a tensor on an implicit device
/// (see MetaDefaultDevice); the tests then check its numbers with the CPU as the default again.
public sealed class TinyReproductionFixture : IDisposable
{
    public TinyReproductionFixture()
    {
        Suite = Suite.Open(Preset.Tiny, Folder, new LineProgress(Log.Add), device: CPU);
        using (new MetaDefaultDevice()) Index = Reproduction.Run(Suite);
        Stamp = File.GetLastWriteTimeUtc(Path.Combine(Folder, ExperimentRegistry.Stem(Experiment.Addition) + ".json"));
    }

    public string Folder { get; } = Directory.CreateTempSubdirectory("tangentkit-tiny-").FullName;
    public List<string> Log { get; } = [];
    public Suite Suite { get; }
    public string Index { get; }
    public DateTime Stamp { get; }

    public void Dispose()
    {
        Suite.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}

/// The tiny reproduction: every registered experiment writes its files; stored numbers agree with an independent
/// evaluation (the network or f_lin evaluated directly at θ0 + Σ α τ, not through the evaluator and its affine cache);
/// the report works offline with no dead link; stored results are drawn without loading any data.
public sealed class TinyPipelineTests(TinyReproductionFixture tiny) : IClassFixture<TinyReproductionFixture>
{
    Suite Suite => tiny.Suite;

    [Fact]
    public void Every_registered_experiment_writes_its_result_table_and_section()
    {
        var html = File.ReadAllText(tiny.Index);
        foreach (var e in ExperimentRegistry.All)
        {
            Assert.True(File.Exists(Path.Combine(tiny.Folder, e.Stem + ".json")), e.Stem + ".json");
            Assert.True(File.Exists(Path.Combine(tiny.Folder, e.Stem + ".csv")), e.Stem + ".csv");
            Assert.Contains($"id=\"{e.Stem}\"", html);
            Assert.True(File.Exists(Path.Combine(RepositoryPaths.Root, e.Notebook)),
                $"{e.Id}: notebook {e.Notebook} is missing");
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(tiny.Folder, e.Stem + ".json")));
            Assert.Equal("tiny", doc.RootElement.GetProperty(e.Derived ? "preset" : "Preset").GetString());
        }
        Assert.Equal(ExperimentRegistry.All.Count, ExperimentRegistry.All.Select(e => e.Stem).Distinct().Count());
        Assert.Equal(ExperimentRegistry.All.Count, ExperimentRegistry.All.Select(e => e.Verb).Distinct().Count());
    }

    [Fact]
    public void Linear_task_addition_curve_matches_f_lin_evaluated_directly_and_its_alpha_is_the_first_maximum()
    {
        var addition = TaskAddition.Run(Suite);
        var single = SingleTask.Run(Suite);
        var lin = Suite.Backbone().Linearized;
        var vectors = Suite.Vectors(FineTuneMode.Linear);
        var tasks = Suite.Tasks;
        // Single-task denominators: f_lin(x; θ0 + τ_t) on task t's validation split, evaluated directly.
        var denominators = tasks.Select((t, i) => DirectAccuracy(vectors[i].ApplyTo(lin), t, t.Validation)).ToList();
        for (int i = 0; i < tasks.Count; i++)
            Assert.Equal(denominators[i], single.Rows[i].LinearValidation, OneExample(tasks[i].Validation));
        var curve = addition.Curves[EditMode.Linear];
        using var sum = TaskVector.Sum(vectors);
        foreach (var point in curve.Where((_, k) => k % 5 == 0))
        {
            var edited = sum.ApplyTo(lin, point.Alpha);
            double score = tasks.Select((t, i) => DirectAccuracy(edited, t, t.Validation) / denominators[i]).Average();
            Assert.Equal(score, point.Score, 2 * OneExample(tasks[0].Validation));
        }
        // The protocol's rule by brute force: the largest score, the smallest α among ties.
        double best = curve.Max(p => p.Score);
        Assert.Equal(curve.Where(p => p.Score == best).Min(p => p.Alpha), addition.Of(EditMode.Linear).Alpha);
    }

    [Fact]
    public void Linear_negation_alpha_is_the_brute_force_choice_under_the_control_floor()
    {
        var negation = TaskNegation.Run(Suite);
        var lin = Suite.Backbone().Linearized;
        var vectors = Suite.Vectors(FineTuneMode.Linear);
        var control = Suite.Data.Control;
        double floor = TaskNegation.ControlFloor * DirectAccuracy(lin, control, control.Validation);
        var row = negation.Of(EditMode.Linear);
        for (int t = 0; t < Suite.Tasks.Count; t++)
        {
            var task = Suite.Tasks[t];
            var points = AlphaSearch.PaperGrid.Select(a =>
            {
                var edited = vectors[t].ApplyTo(lin, -a);
                return (Alpha: a, Target: DirectAccuracy(edited, task, task.Validation),
                    Control: DirectAccuracy(edited, control, control.Validation));
            }).ToList();
            var allowed = points.Where(p => p.Control >= floor).ToList();
            double expected = allowed.Count == 0 ? 0
                : allowed.Where(p => p.Target == allowed.Min(q => q.Target)).Min(p => p.Alpha);
            Assert.Equal(task.Name, row.PerTask[t].Task);
            Assert.True(expected == row.PerTask[t].Alpha,
                $"{task.Name}: brute force chooses α = {expected}, Table 2 has {row.PerTask[t].Alpha}; curve: " +
                string.Join(" ", points.Select(p => $"{p.Alpha:0.##}:{p.Target:0.###}/{p.Control:0.###}")));
        }
    }

    [Fact]
    public void A_disagreement_entry_of_the_linear_xi_map_matches_predictions_computed_directly()
    {
        var result = Disentanglement.Run(Suite);
        var map = result.Maps.First(m => m.Mode == EditMode.Linear);
        int a = Suite.Tasks.ToList().FindIndex(t => t.Name == map.TaskA),
            b = Suite.Tasks.ToList().FindIndex(t => t.Name == map.TaskB);
        // The grid point with the largest disagreement, so that the check is not of a trivial zero.
        var (row, column) = Enumerable.Range(0,
            map.Alphas.Count).SelectMany(j => Enumerable.Range(0, map.Alphas.Count).Select(i => (j, i)))
            .MaxBy(p => map.Xi[p.j][p.i]);
        Assert.True(map.Xi[row][column] > 0,
            "the tiny ξ map has no disagreement at all: the check below would be vacuous");
        var lin = Suite.Backbone().Linearized;
        var vectors = Suite.Vectors(FineTuneMode.Linear);
        double a1 = map.Alphas[column], a2 = map.Alphas[row];
        using var both = a1 * vectors[a] + a2 * vectors[b];
        int n = result.ExamplesPerTask;
        double Disagreement(int task, LinearizedModel alone)
        {
            var t = Suite.Tasks[task];
            using var x = t.Test.Inputs.narrow(0, 0, n);
            using var alonePrediction = Predict(alone, t, x);
            using var bothPrediction = Predict(both.ApplyTo(lin), t, x);
            return alonePrediction.ne(bothPrediction).to_type(ScalarType.Float64).mean().ToDouble();
        }
        double expected = 0.5 * (Disagreement(a, vectors[a].ApplyTo(lin, a1)) + Disagreement(b,
            vectors[b].ApplyTo(lin, a2)));
        Assert.Equal(expected, map.Xi[row][column], 1.0 / n + 1e-12);
    }

    [Fact]
    public void Summary_json_carries_the_tasks_control_accuracies_gate_and_a_verdict_for_every_claim()
    {
        var summary = Summary.Read(Path.Combine(tiny.Folder, Summary.FileName));
        using var raw = JsonDocument.Parse(File.ReadAllText(Path.Combine(tiny.Folder, Summary.FileName)));
        foreach (var key in new[] { "tasks", "control", "zero_shot_accuracy", "fine_tuned_accuracy", "discriminating",
                     "claims" })
            Assert.True(raw.RootElement.TryGetProperty(key, out _), $"summary.json lacks '{key}'");
        Assert.True(raw.RootElement.GetProperty("tasks")[0].GetProperty("colour").GetBoolean());
        Assert.Equal(Suite.Tasks.Select(t => t.Name), summary.Tasks.Select(t => t.Name));

        // Independent oracle: θ0 and θ0 + τ evaluated directly through the network and the prototype heads.
        var backbone = Suite.Backbone();
        var encoder = backbone.Model.Encoder(backbone.Theta0);
        var zeroShot = Suite.Tasks.Select(t => Accuracy.Top1(encoder, backbone.Heads[t.Name], t.Test)).ToList();
        Assert.Equal(zeroShot.Average(), summary.ZeroShotAccuracy, 12);
        var control = Suite.Data.Control;
        Assert.Equal((control.Name, control.Classes.Count), (summary.Control.Name, summary.Control.Classes));
        Assert.Equal(Accuracy.Top1(encoder, backbone.Heads[control.Name], control.Test),
            summary.Control.Theta0Accuracy, 12);
        var vectors = Suite.Vectors(FineTuneMode.Standard);
        double standard = Suite.Tasks.Select((t, i) =>
        {
            using var theta = vectors[i].ApplyTo(backbone.Theta0);
            return Accuracy.Top1(backbone.Model.Encoder(theta), backbone.Heads[t.Name], t.Test);
        }).Average();
        Assert.Equal(standard, summary.FineTunedAccuracy["standard"], 12);
        bool gate = standard - zeroShot.Average() >= SingleTask.GateGain
            && summary.FineTunedAccuracy["linear"] - zeroShot.Average() >= SingleTask.GateGain;
        Assert.Equal(gate, summary.Discriminating);

        string[] allowed = ["holds", "does not hold", "inconclusive", "not discriminating"];
        Assert.Equal(9, summary.Claims.Select(c => c.Id).Distinct().Count());
        foreach (var claim in summary.Claims)
        {
            Assert.Contains(claim.Verdict, allowed);
            Assert.NotEmpty(claim.Numbers);
            if (!summary.Discriminating) Assert.Equal("not discriminating", claim.Verdict);
            foreach (var (name, n) in claim.Numbers)
                Assert.True(n.Low <= n.Value + 1e-6 && n.Value <= n.High + 1e-6 || double.IsNaN(n.Value),
                    $"{claim.Id}.{name}: {n} is outside its own interval");
        }
    }

    [Fact]
    public void The_random_theta0_is_a_normalized_network_with_prototype_heads_of_its_own()
    {
        var random = Suite.Backbone(Initialization.Random);
        var pretrained = Suite.Backbone(Initialization.Pretrained);
        Assert.False(random.Theta0["bn1.running_var"].allclose(ones_like(random.Theta0["bn1.running_var"])));
        // Its heads are prototypes of its own features: unit rows times the logit scale, different from θ0's.
        var task = Suite.Tasks[0].Name;
        var norms = random.Heads[task].Weight.norm(1);
        Assert.True(norms.allclose(full_like(norms, Suite.Preset.HeadLogitScale), rtol: 1e-5));
        Assert.False(random.Heads[task].Weight.allclose(pretrained.Heads[task].Weight));
    }

    [Fact]
    public void Linearized_model_at_theta0_scores_the_zero_shot_accuracy_of_the_network()
    {
        var single = SingleTask.Run(Suite);
        var evaluator = Suite.Evaluator(EditMode.Linear);              // affine cache f(x; θ0) + Σ α J τ at α = 0
        for (int t = 0; t < Suite.Tasks.Count; t++)
            Assert.Equal(single.Rows[t].ZeroShotTest,
                evaluator.Accuracy(Suite.Tasks[t], SplitKind.Test, evaluator.All(0)), 12);
    }

    [Fact]
    public void The_report_links_only_files_that_exist_and_loads_plotly_from_its_own_folder()
    {
        var pages = new Queue<string>([tiny.Index]);
        var seen = new HashSet<string>();
        int figures = 0;
        while (pages.TryDequeue(out var page))
        {
            if (!seen.Add(page)) continue;
            var html = File.ReadAllText(page);
            Assert.DoesNotMatch("(src|href)=\"(https?:)?//", html);                           // offline: nothing remote
            foreach (Match m in Regex.Matches(html, "(?:src|href)=\"([^\"]+)\""))
            {
                var link = m.Groups[1].Value;
                if (link.StartsWith('#'))
                {
                    Assert.Contains($"id=\"{link[1..]}\"", html);
                    continue;
                }
                var target = Path.Combine(Path.GetDirectoryName(page)!, Uri.UnescapeDataString(link));
                Assert.True(File.Exists(target), $"{Path.GetFileName(page)} links {link}, which does not exist");
                Assert.True(new FileInfo(target).Length > 0, $"{link} is empty");
                if (target.EndsWith(".html")) { pages.Enqueue(target); figures++; }
            }
        }
        var plotly = Path.Combine(tiny.Folder, Figures.PlotlyJsFile);
        Assert.Contains("Plotly", File.ReadAllText(plotly)[..4000]);
        var index = File.ReadAllText(tiny.Index);
        Assert.Single(Regex.Matches(index, $"<script src=\"{Regex.Escape(Figures.PlotlyJsFile)}\">"));
        int embedded = Regex.Matches(index, "Plotly\\.newPlot").Count;
        int published = Suite.Results.Sections.Sum(s => s.Figures.Count);
        Assert.True(published >= ExperimentRegistry.All.Count - 2, $"only {published} figures published");
        Assert.Equal(published, embedded);                  // every figure drawn in the index
        Assert.Equal(published, figures);                   // and linked as its own page
        foreach (var section in Suite.Results.Sections)
            foreach (var figure in section.Figures)
            {
                var page = File.ReadAllText(Path.Combine(tiny.Folder, figure.Stem + ".html"));
                Assert.Contains($"<script src=\"{Figures.PlotlyJsFile}\"", page);
                Assert.True(page.Length < 200_000,
                    $"{figure.Stem}.html is {page.Length} bytes: plotly.js should not be inlined");
                if (PngExport.Available) Assert.True(new FileInfo(Path.Combine(tiny.Folder,
                    figure.Stem + ".png")).Length > 1000);
            }
    }

    [Fact]
    public void Stored_results_are_drawn_without_loading_data_and_a_second_run_recomputes_nothing()
    {
        var log = new List<string>();
        using var offline = new Suite(Preset.Tiny, () => throw new InvalidOperationException("the data were loaded"),
            tiny.Folder,
            new LineProgress(log.Add));
        foreach (var e in ExperimentRegistry.All)
        {
            var section = e.RunAndReport(offline);
            Assert.Equal(e.Stem, section.Name);
            Assert.Equal(e.Title, section.Title);
        }
        var status = Reproduction.Status(offline);
        Assert.All(status.GetColumn<bool>("Stored").Values, Assert.True);
        Assert.Equal(tiny.Stamp,
            File.GetLastWriteTimeUtc(Path.Combine(tiny.Folder,
            ExperimentRegistry.Stem(Experiment.Addition) + ".json")));
        Assert.DoesNotContain(log, l => l.StartsWith("fine-tune"));
    }

    [Fact]
    public void One_verb_rewrites_the_index_with_every_stored_experiment_in_registry_order()
    {
        using var offline = new Suite(Preset.Tiny, () => throw new InvalidOperationException("the data were loaded"),
            tiny.Folder, new LineProgress(_ => { }));
        var index = File.ReadAllText(Reproduction.Run(offline, [Experiment.Cost]));
        var positions = ExperimentRegistry.All
            .Select(e => index.IndexOf($"id=\"{e.Stem}\"", StringComparison.Ordinal)).ToList();
        Assert.All(positions, p => Assert.True(p > 0));
        Assert.Equal(positions.Order(), positions);
        Assert.Contains("every result read back from its file", index);
    }

    static double OneExample(LabeledData data) => 1.0 / data.Count + 1e-12;

    Tensor Predict(LinearizedModel model, ImageTask task, Tensor x)
    {
        using var _ = no_grad();
        using var logits = Suite.Backbone().Heads[task.Name].Logits(model.Forward(x));
        return logits.argmax(-1);
    }

    double DirectAccuracy(LinearizedModel model, ImageTask task, LabeledData split)
    {
        using var predictions = Predict(model, task, split.Inputs);
        return predictions.eq(split.Labels).to_type(ScalarType.Float64).mean().ToDouble();
    }
}
