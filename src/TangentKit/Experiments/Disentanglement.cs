using TangentKit.Data;
using TangentKit.Evaluation;
using TangentKit.Reporting;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Experiments;

/// <summary>Two edited tasks whose ξ map is drawn; <paramref name="Overlapping"/> marks the negative control.</summary>
public sealed record TaskPair(string TaskA, string TaskB, bool Overlapping = false);

/// <summary>
/// One ξ(α1, α2) map: <c>Xi[j][i]</c> at α1 = Alphas[i] (task A), α2 = Alphas[j] (task B), with the grid's mean ξ and
/// disentangled area (fraction of the grid with ξ ≤ the threshold), both with bootstrap replicates over the examples.
/// </summary>
public sealed record XiMap(string TaskA, string TaskB, bool Overlapping, EditMode Mode, Initialization Initialization,
    IReadOnlyList<double> Alphas, double[][] Xi, Measured MeanXi, Measured Area);

/// <summary>Every ξ map of one θ0, the examples per task and the threshold of the disentangled area.</summary>
public sealed record DisentanglementResult(int ExamplesPerTask, double Threshold, IReadOnlyList<XiMap> Maps)
{
    /// <summary>The maps of <paramref name="mode"/>, in pair order.</summary>
    public IReadOnlyList<XiMap> Of(EditMode mode) => Maps.Where(m => m.Mode == mode).ToList();

    /// <summary>Mean disentangled area of a mode over the pairs that are not the overlapping control.</summary>
    public Measured DistinctArea(EditMode mode) => Measured.Mean(Of(mode).Where(m => !m.Overlapping)
        .Select(m => m.Area));

    /// <summary>Mean ξ of a mode over the pairs that are not the overlapping control.</summary>
    public Measured DistinctMeanXi(EditMode mode) => Measured.Mean(Of(mode).Where(m => !m.Overlapping)
        .Select(m => m.MeanXi));

    /// <summary>
    /// The area of one grid point: ξ(0, 0) = 0 always, so no map's disentangled area is below it (the measure's
    /// floor).
    /// </summary>
    public double OnePoint => 1.0 / (Maps[0].Alphas.Count * Maps[0].Alphas.Count);
}

/// <summary>
/// Figures 3/4 — weight disentanglement error ξ(α1, α2) = ½ Σ_t E_x[1{f(x; θ0 + α1τ1 + α2τ2) ≠ f(x; θ0 + α_t τ_t)}]
/// on a grid over [−3, 3]² for each of the suite's task pairs, for non-linear FT, post-hoc linearization and linear
/// FT. Shown in notebooks/04-figures3-4-disentanglement.
/// </summary>
public static class Disentanglement
{
    /// <summary>ξ at or below this counts as disentangled (the area's threshold).</summary>
    public const double Threshold = 0.1;

    /// <summary>The pairs whose maps are drawn (the suite data's list; the overlapping pair first).</summary>
    public static IReadOnlyList<TaskPair> Pairs(Suite suite) => suite.Data.DisentanglementPairs;

    /// <summary>Computes (or reads) every map from the pre-trained θ0.</summary>
    public static DisentanglementResult Run(Suite suite)
        => suite.Results.GetOrCompute(ExperimentRegistry.Stem(Experiment.Disentanglement),
            () => Measure(suite, Initialization.Pretrained));

    /// <summary>
    /// Every map from <paramref name="init"/>'s θ0 (not cached on its own); <paramref name="overlapping"/> false skips
    /// the overlapping pair; <paramref name="modes"/> defaults to all three.
    /// </summary>
    public static DisentanglementResult Measure(Suite suite, Initialization init, bool overlapping = true,
        IReadOnlyList<EditMode>? modes = null)
    {
        var grid = AlphaSearch.Grid(-3, 3, suite.Preset.DisentanglementGrid);
        int n = suite.Preset.DisentanglementExamples;
        var maps = new List<XiMap>();
        foreach (var pair in Pairs(suite).Where(p => overlapping || !p.Overlapping))
            foreach (var mode in modes ?? EditModes.All)
                maps.Add(Map(suite, mode, init, pair, grid, n));
        return new DisentanglementResult(n, Threshold, maps);
    }

    static XiMap Map(Suite suite, EditMode mode, Initialization init, TaskPair pair, IReadOnlyList<double> grid,
        int n)
    {
        var e = suite.Evaluator(mode, init);
        int a = IndexOf(suite, pair.TaskA), b = IndexOf(suite, pair.TaskB);
        var (taskA, taskB) = (suite.Tasks[a], suite.Tasks[b]);
        var label = $"ξ map {taskA.Name}–{taskB.Name}: {mode.Label()} ({init.ToString().ToLowerInvariant()})";
        Tensor Predict(ImageTask task, IReadOnlyList<double> alphas)
        {
            using var l = e.Logits(task, SplitKind.Test, alphas, n);
            return l.argmax(-1);
        }
        var aloneA = grid.Select(x => Predict(taskA, e.Only(a, x))).ToList();       // f_A(x; θ0 + α1 τ_A)
        var aloneB = grid.Select(y => Predict(taskB, e.Only(b, y))).ToList();       // f_B(x; θ0 + α2 τ_B)
        int g = grid.Count;
        var disagreeA = new List<Tensor>(g * g);
        var disagreeB = new List<Tensor>(g * g);
        for (int j = 0; j < g; j++)
        {
            suite.Progress.Report(label, j, g);
            for (int i = 0; i < g; i++)
            {
                var both = new double[suite.Tasks.Count];
                both[a] = grid[i];
                both[b] = grid[j];
                var logits = e.LogitsOfEach([taskA, taskB], SplitKind.Test, both, n);   // one pass over both
                using (var pa = logits[0].argmax(-1)) disagreeA.Add(pa.ne(aloneA[i]).to_type(ScalarType.Float32));
                using (var pb = logits[1].argmax(-1)) disagreeB.Add(pb.ne(aloneB[j]).to_type(ScalarType.Float32));
                foreach (var l in logits) l.Dispose();
            }
        }
        suite.Progress.Report(label, 1, 1);
        foreach (var t in aloneA.Concat(aloneB)) t.Dispose();
        using var scope = NewDisposeScope();
        var dA = stack(disagreeA);                                                     // [g·g, nA]
        var dB = stack(disagreeB);
        foreach (var t in disagreeA.Concat(disagreeB)) t.Dispose();
        var xi = 0.5 * (dA.mean([1]) + dB.mean([1]));                                  // [g·g]
        var xiBoot = 0.5 * (dA.matmul(Weights(taskA.Name, (int)dA.shape[1]).to(dA.device))
            + dB.matmul(Weights(taskB.Name, (int)dB.shape[1]).to(dB.device)));                       // [g·g, B]
        var values = xi.to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        var mean = new Measured(values.Average(), xiBoot.mean([0]).cpu().data<float>().ToArray());
        var area = new Measured(values.Count(v => v <= Threshold) / (double)values.Length,
            xiBoot.le(Threshold).to_type(ScalarType.Float32).mean([0]).cpu().data<float>().ToArray());
        var map = Enumerable.Range(0, g).Select(j => values[(j * g)..((j + 1) * g)]).ToArray();
        return new XiMap(taskA.Name, taskB.Name, pair.Overlapping, mode, init, grid, map, mean, area);
    }

    // [n, B] resampling weights (count of each example in each resample, divided by n): a mean per resample by matmul.
    static Tensor Weights(string task, int n)
    {
        var w = new float[n * Bootstrap.DefaultResamples];
        for (int r = 0; r < Bootstrap.DefaultResamples; r++)
            foreach (var i in Bootstrap.Resample($"{task}/Test[..{n}]", n, r))
                w[i * Bootstrap.DefaultResamples + r] += 1f / n;
        return tensor(w, [n, Bootstrap.DefaultResamples], device: CPU);
    }

    static int IndexOf(Suite suite, string task)
    {
        for (int i = 0; i < suite.Tasks.Count; i++) if (suite.Tasks[i].Name == task) return i;
        throw new ArgumentException($"ξ pair names task '{task}', which is not one of the edited tasks " +
            $"({string.Join(", ", suite.Tasks.Select(t => t.Name))}).", nameof(task));
    }

    /// <summary>Mean ξ and disentangled area (%) of every map, with 95 % intervals.</summary>
    public static Deedle.Frame<int, string> Table(DisentanglementResult result) =>
        Tables.FromRecords(result.Maps.Select(m => new
        {
            Pair = $"{m.TaskA}–{m.TaskB}" + (m.Overlapping ? " (overlapping)" : ""), Method = m.Mode.Label(),
            MeanXi = m.MeanXi.Format(1, "F3"), DisentangledAreaPercent = m.Area.Format(),
        }));

    /// <summary>The three maps (one per mode) of a pair, side by side.</summary>
    public static Plotly.NET.GenericChart Chart(DisentanglementResult result, string taskA, string taskB)
    {
        var maps = result.Maps.Where(m => m.TaskA == taskA && m.TaskB == taskB).ToList();
        if (maps.Count == 0) throw new ArgumentException($"no ξ maps for the pair {taskA}–{taskB}.");
        var charts = maps.Select(m => Figures.Heatmap("", m.Alphas, m.Alphas, m.Xi, "α1", "α2", 0, 1)).ToList();
        var from = maps[0].Initialization == Initialization.Random ? ", random θ0" : "";
        return Figures.Row($"Figures 3/4 — ξ(α1, α2), {taskA} (α1) and {taskB} (α2){from}", charts,
            maps.Select(m => $"{m.Mode.Label()} (area {100 * m.Area.Value:F0} %)").ToList(), 1200, 440);
    }

    /// <summary>One figure per pair.</summary>
    public static FigureSpec[] FigureSpecs(DisentanglementResult result, string stem) =>
        result.Maps.Select(m => (m.TaskA, m.TaskB)).Distinct()
            .Select(p => new FigureSpec($"{stem}_{p.TaskA}_{p.TaskB}", Chart(result, p.TaskA, p.TaskB), 1200, 440))
            .ToArray();

    /// <summary>Writes the maps, their table and the report section.</summary>
    public static ReportSection Report(Suite suite, DisentanglementResult result)
    {
        var stem = ExperimentRegistry.Stem(Experiment.Disentanglement);
        var larger = Claims.LinearizedMoreDisentangled(result, SingleTask.Run(suite));
        var overlap = Claims.OverlappingPairLeastDisentangled(result, SingleTask.Run(suite));
        string Area(EditMode m) => result.DistinctArea(m).Format();
        string Xi(EditMode m) => result.DistinctMeanXi(m).Format(1, "F3");
        var overlapping = result.Maps.FirstOrDefault(m => m.Overlapping);
        double largest = result.Maps.Max(m => m.Area.Value);
        int points = (int)Math.Round(largest / result.OnePoint);
        string floor = points <= 3
            ? $" At this threshold no map's area exceeds {points} grid point(s) ({100 * largest:F1} %; the origin " +
              $"alone is {100 * result.OnePoint:F1} %), so the area barely resolves the maps here; mean ξ over the " +
              $"distinct-domain pairs is non-linear {Xi(EditMode.Standard)}, post-hoc {Xi(EditMode.PostHoc)}, " +
              $"linear {Xi(EditMode.Linear)}."
            : "";
        return suite.Publish(Experiment.Disentanglement, Table(result),
            $"ξ on a {result.Maps[0].Alphas.Count}×{result.Maps[0].Alphas.Count} grid over [−3, 3]²: half the sum " +
            $"over the two tasks of the fraction of test examples (first {result.ExamplesPerTask} of each task) " +
            "whose prediction under the edited model θ0 + α1τ1 + α2τ2 differs from the prediction with the task's " +
            $"own vector alone; each task uses its own head. Disentangled area: the fraction of the grid with ξ ≤ " +
            $"{result.Threshold}. " + (overlapping is null ? "" : $"{overlapping.TaskA}–{overlapping.TaskB} share an " +
            "input domain on purpose (the negative control). ") + "Brackets: 95 % bootstrap intervals over the " +
            "examples.",
            $"Disentangled area over the distinct-domain pairs: non-linear FT {Area(EditMode.Standard)} %, post-hoc " +
            $"{Area(EditMode.PostHoc)} %, linear FT {Area(EditMode.Linear)} %. Larger for post-hoc and linear than " +
            $"non-linear: {larger.Verdict.Text()}; the overlapping pair is the least disentangled: " +
            $"{overlap.Verdict.Text()}.{floor}",
            FigureSpecs(result, stem));
    }
}
