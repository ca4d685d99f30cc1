using System.Text.Json;
using TangentKit.Experiments;
using TangentKit.Reporting;

namespace TangentKit.Tests.Experiments;

/// The whole reproduction on the tiny preset: every experiment writes its files, results follow the protocol's invariants,
/// and a second run reads everything back.
public sealed class TinyPipelineTests : IDisposable
{
    readonly string _out = Directory.CreateTempSubdirectory("tangentkit-tiny-").FullName;
    public void Dispose() => Directory.Delete(_out, recursive: true);

    [Fact]
    public void Tiny_reproduction_writes_every_table_and_figure_and_a_second_run_is_cached()
    {
        var log = new List<string>();
        string index;
        using (var suite = Suite.Open(Preset.Tiny, _out, new LineProgress(log.Add)))
        {
            index = Reproduction.Run(suite);

            // Protocol invariants, checked against independent evaluations:
            var addition = TaskAddition.Run(suite);
            Assert.Equal(["Zero-shot (θ0)", "Non-lin. FT", "Post-hoc lin.", "Linear. FT"], addition.Rows.Select(r => r.Method));
            foreach (var curve in addition.Curves.Values)                  // at α = 0 every mode is θ0: same normalised score up to the denominators
                Assert.Equal(AlphaSearchGrid(), curve.Select(p => p.Alpha));
            var single = SingleTask.Run(suite);
            var evaluator = suite.Evaluator(EditMode.Linear);
            Assert.Equal(single.Rows[0].ZeroShotTest, evaluator.Accuracy(suite.Tasks[0], SplitKind.Test, evaluator.All(0)), 12);   // f_lin(θ0) = f(θ0)
            var xi = Disentanglement.Run(suite);
            int mid = xi.Maps[0].Alphas.Count / 2;
            Assert.All(xi.Maps, m => Assert.Equal(0.0, m.Xi[mid][mid]));   // ξ(0, 0) = 0: both models are θ0
            var ntk = NtkLocalization.Run(suite);
            Assert.All(ntk.Spectra, s => Assert.All(s.EnergyOnA, e => Assert.InRange(e, -1e-9, 1 + 1e-9)));
            Assert.All(ntk.Spectra, s => Assert.True(s.Eigenvalues[^1] > -1e-6 * s.Eigenvalues[0], "the empirical NTK is positive semi-definite"));
            var negation = TaskNegation.Run(suite);
            Assert.All(negation.Rows.Skip(1).SelectMany(r => r.PerTask), p => Assert.InRange(p.Alpha, 0, 1));
        }

        Assert.True(File.Exists(index));
        var html = File.ReadAllText(index);
        foreach (var name in new[] { "fig2_single_task", "table1_task_addition", "table2_task_negation", "fig3_4_disentanglement", "fig5_ntk_localization",
                     "random_init", "nonlinear_advantage", "cost_of_linearization", "task_vector_similarity", "per_task_alpha" })
        {
            Assert.True(File.Exists(Path.Combine(_out, name + ".csv")), name + ".csv");
            Assert.Contains($"id=\"{name}\"", html);
        }
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out, "table1_task_addition.json"))))
            Assert.Equal("tiny", doc.RootElement.GetProperty("Preset").GetString());
        var figure = Path.Combine(_out, "table1_task_addition.html");
        var figureHtml = File.ReadAllText(figure);
        Assert.DoesNotContain("src=\"https://cdn.plot.ly", figureHtml);          // offline: plotly.js is inlined, not linked
        Assert.True(figureHtml.Length > 1_000_000, "plotly.js should be inlined in the figure's HTML");
        if (PngExport.Available) Assert.True(new FileInfo(Path.Combine(_out, "table1_task_addition.png")).Length > 1000);

        var stamp = File.GetLastWriteTimeUtc(Path.Combine(_out, "table1_task_addition.json"));
        var again = new List<string>();
        using (var suite = Suite.Open(Preset.Tiny, _out, new LineProgress(again.Add)))
            Reproduction.Run(suite);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(_out, "table1_task_addition.json")));
        Assert.DoesNotContain(again, l => l.StartsWith("fine-tune") && !l.EndsWith("done"));   // no training step ran
    }

    static IEnumerable<double> AlphaSearchGrid() => TangentKit.Evaluation.AlphaSearch.PaperGrid;
}
