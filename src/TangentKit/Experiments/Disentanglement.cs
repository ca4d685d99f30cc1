using TangentKit.Data;
using TangentKit.Evaluation;
using TangentKit.Reporting;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Experiments;

/// <summary>The ξ(α1, α2) map of one task pair in one mode, and its summaries.</summary>
/// <param name="TaskA">First task (α1, x axis).</param>
/// <param name="TaskB">Second task (α2, y axis).</param>
/// <param name="Mode">Edit mode.</param>
/// <param name="Alphas">Grid values on each axis.</param>
/// <param name="Xi">ξ[row = α2 index][column = α1 index] in [0, 1].</param>
/// <param name="MeanXi">Mean of ξ over the grid.</param>
/// <param name="DisentangledFraction">Fraction of grid points with ξ ≤ 0.1.</param>
public sealed record XiMap(string TaskA, string TaskB, EditMode Mode, IReadOnlyList<double> Alphas, double[][] Xi,
    double MeanXi, double DisentangledFraction);

/// <summary>Every pair's maps in every mode.</summary>
public sealed record DisentanglementResult(int ExamplesPerTask, IReadOnlyList<XiMap> Maps);

/// <summary>
/// Figures 3 and 4 — weight disentanglement: ξ(α1, α2) = ½ Σ_t E_{x∼D_t}[ 1{argmax f_t(x; θ0 + α_t τ_t) ≠ argmax f_t(x;
/// θ0 + α1 τ1 + α2 τ2)} ] on [−3, 3]², each task's predictions through its own head on its own test examples; low ξ =
/// disentangled.
/// Shown in notebooks/04-figures3-4-disentanglement.
/// </summary>
public static class Disentanglement
{
    /// <summary>The task pairs drawn: (first, second) and (third, fourth) edited tasks.</summary>
    public static IReadOnlyList<(int A, int B)> Pairs(Suite suite) =>
        Enumerable.Range(0, suite.Tasks.Count / 2).Select(i => (2 * i, 2 * i + 1)).ToList();

    /// <summary>Computes (or reads) the maps of every pair in every mode.</summary>
    public static DisentanglementResult Run(Suite suite)
        => suite.Results.GetOrCompute(ExperimentRegistry.Stem(Experiment.Disentanglement), () =>
    {
        var grid = AlphaSearch.Grid(-3, 3, suite.Preset.DisentanglementGrid);
        int n = suite.Preset.DisentanglementExamples;
        var maps = new List<XiMap>();
        foreach (var (a, b) in Pairs(suite))
            foreach (var mode in EditModes.All)
                maps.Add(Map(suite, mode, a, b, grid, n));
        return new DisentanglementResult(n, maps);
    });

    static XiMap Map(Suite suite, EditMode mode, int a, int b, IReadOnlyList<double> grid, int n)
    {
        var e = suite.Evaluator(mode);
        var (taskA, taskB) = (suite.Tasks[a], suite.Tasks[b]);
        var label = $"ξ map {taskA.Name}–{taskB.Name}: {mode.Label()}";
        Tensor Predict(ImageTask task, IReadOnlyList<double> alphas)
        {
            using var l = e.Logits(task, SplitKind.Test, alphas, n);
            return l.argmax(-1);
        }
        var aloneA = grid.Select(x => Predict(taskA, e.Only(a, x))).ToList();       // f_A(x; θ0 + α1 τ_A)
        var aloneB = grid.Select(y => Predict(taskB, e.Only(b, y))).ToList();       // f_B(x; θ0 + α2 τ_B)
        var xi = new double[grid.Count][];
        for (int j = 0; j < grid.Count; j++)
        {
            suite.Progress.Report(label, j, grid.Count);
            xi[j] = new double[grid.Count];
            for (int i = 0; i < grid.Count; i++)
            {
                var both = new double[suite.Tasks.Count];
                both[a] = grid[i];
                both[b] = grid[j];
                using var pa = Predict(taskA, both);
                using var pb = Predict(taskB, both);
                xi[j][i] = 0.5 * (pa.ne(aloneA[i]).to_type(ScalarType.Float64).mean().ToDouble() + pb.ne(aloneB[j])
                    .to_type(ScalarType.Float64).mean().ToDouble());
            }
        }
        suite.Progress.Report(label, 1, 1);
        foreach (var t in aloneA.Concat(aloneB)) t.Dispose();
        var flat = xi.SelectMany(r => r).ToList();
        return new XiMap(taskA.Name, taskB.Name, mode, grid, xi, flat.Average(),
            flat.Count(v => v <= 0.1) / (double)flat.Count);
    }

    /// <summary>Mean ξ and disentangled area per pair and mode.</summary>
    public static Deedle.Frame<int, string> Table(DisentanglementResult result) =>
        Tables.FromRecords(result.Maps.Select(m => new { Pair = $"{m.TaskA}–{m.TaskB}", Method = m.Mode.Label(),
            m.MeanXi, DisentangledArea = m.DisentangledFraction }));

    /// <summary>The ξ heat maps of one pair, the three modes side by side (one color scale, [0, 1]).</summary>
    public static Plotly.NET.GenericChart Chart(DisentanglementResult result, string taskA, string taskB)
    {
        var maps = result.Maps.Where(m => m.TaskA == taskA && m.TaskB == taskB).ToList();
        if (maps.Count == 0) throw new ArgumentException($"no ξ maps for the pair {taskA}–{taskB}.");
        var charts = maps.Select(m => Figures.Heatmap("", m.Alphas, m.Alphas, m.Xi, "α1", "α2", 0, 1)).ToList();
        return Figures.Row($"Figures 3/4 — ξ(α1, α2), {taskA} (α1) and {taskB} (α2)", charts,
            maps.Select(m => $"{m.Mode.Label()} (mean ξ {m.MeanXi:F2})").ToList(), 1200, 440);
    }

    /// <summary>
    /// Writes the heat maps (one figure per pair, the three modes side by side), the summary table and the section.
    /// </summary>
    public static ReportSection Report(Suite suite, DisentanglementResult result)
    {
        var stem = ExperimentRegistry.Stem(Experiment.Disentanglement);
        var figures = result.Maps.Select(m => (m.TaskA, m.TaskB)).Distinct()
            .Select(p => new FigureSpec($"{stem}_{p.TaskA}_{p.TaskB}", Chart(result, p.TaskA, p.TaskB), 1200,
                440)).ToArray();
        string Mean(EditMode mode) => $"{result.Maps.Where(m => m.Mode == mode).Average(m => m.MeanXi):F3}";
        double std = result.Maps.Where(m => m.Mode == EditMode.Standard).Average(m => m.MeanXi);
        bool holds = result.Maps.Where(m => m.Mode != EditMode.Standard).GroupBy(m => m.Mode).All(g
            => g.Average(m => m.MeanXi) < std);
        return suite.Publish(Experiment.Disentanglement, Table(result),
            $"ξ on a {result.Maps[0].Alphas.Count}×{result.Maps[0].Alphas.Count} grid over [−3, 3]²: half the sum " +
            $"over the two tasks of the fraction of test examples (first {result.ExamplesPerTask} of each task) " +
            $"whose prediction under the edited model θ0 + α1τ1 + α2τ2 differs from the prediction with the task's " +
            $"own vector alone; " +
            "each task uses its own head. 'Disentangled area' is the fraction of the grid with ξ ≤ 0.1.",
            $"Mean ξ over the grid: non-linear FT {Mean(EditMode.Standard)}, post-hoc {Mean(EditMode.PostHoc)}, " +
            $"linear FT {Mean(EditMode.Linear)}. The paper's claim that ξ is smaller for post-hoc and linear models " +
            $"{(holds ? "holds here" : "does not hold here")}.",
            figures);
    }
}
