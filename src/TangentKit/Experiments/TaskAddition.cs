using TangentKit.Data;
using TangentKit.Evaluation;
using TangentKit.Reporting;

namespace TangentKit.Experiments;

/// <summary>One row of Table 1: a method's chosen α and its average absolute and normalized test accuracy.</summary>
/// <param name="Initialization">Where θ0 came from.</param>
/// <param name="Mode">The edit mode; null for the zero-shot row (θ0 itself, α = 0).</param>
/// <param name="Alpha">The shared coefficient chosen on validation.</param>
/// <param name="Absolute">Average test accuracy over the tasks.</param>
/// <param name="Normalized">
/// Average of accuracy / single-task accuracy of the same mode (null for zero-shot).
/// </param>
/// <param name="NormalizedAtZero">
/// The same normalization of θ0 itself (α = 0): what the mode's normalized accuracy is before any edit (null for
/// zero-shot).
/// </param>
/// <param name="PerTask">Test accuracy per task, in task order.</param>
public sealed record AdditionRow(Initialization Initialization, EditMode? Mode, double Alpha, Measured Absolute,
    Measured? Normalized, Measured? NormalizedAtZero, IReadOnlyList<Measured> PerTask)
{
    /// <summary>The paper's row label.</summary>
    public string Method => Mode?.Label() ?? "Zero-shot (θ0)";

    /// <summary>Average absolute test accuracy.</summary>
    public double AbsoluteTest => Absolute.Value;

    /// <summary>Average normalized test accuracy (NaN for zero-shot).</summary>
    public double NormalizedTest => Normalized?.Value ?? double.NaN;

    /// <summary>Test accuracy per task as numbers.</summary>
    public IReadOnlyList<double> PerTaskTest => PerTask.Select(m => m.Value).ToList();
}

/// <summary>Table 1's rows and the validation curves α ↦ average normalized accuracy, by mode.</summary>
public sealed record AdditionResult(IReadOnlyList<string> Tasks, IReadOnlyList<AdditionRow> Rows,
    IReadOnlyDictionary<EditMode, IReadOnlyList<AlphaPoint>> Curves)
{
    /// <summary>The row of <paramref name="mode"/>.</summary>
    public AdditionRow Of(EditMode mode) => Rows.Single(r => r.Mode == mode);

    /// <summary>The zero-shot row (θ0).</summary>
    public AdditionRow ZeroShot => Rows.Single(r => r.Mode is null);
}

/// <summary>
/// Table 1 — task addition: all task vectors summed with one shared α ∈ {0, 0.05, …, 1} chosen on validation by average
/// normalized accuracy (normalized by the single-task accuracy of the same mode), reported on test.
/// Shown in notebooks/01-table1-task-addition.
/// </summary>
public static class TaskAddition
{
    /// <summary>Computes (or reads) Table 1 from the pre-trained θ0.</summary>
    public static AdditionResult Run(Suite suite)
    {
        var single = SingleTask.Run(suite);
        return suite.Results.GetOrCompute(ExperimentRegistry.Stem(Experiment.Addition),
            () => Measure(suite, Initialization.Pretrained, single));
    }

    /// <summary>
    /// Runs the Table 1 protocol from <paramref name="init"/>'s θ0 with its single-task accuracies (not cached on its
    /// own).
    /// </summary>
    public static AdditionResult Measure(Suite suite, Initialization init, SingleTaskResult single,
        IReadOnlyList<EditMode>? modes = null)
    {
        var tasks = suite.Tasks;
        var rows = new List<AdditionRow>();
        var curves = new Dictionary<EditMode, IReadOnlyList<AlphaPoint>>();
        var zeroShot = single.Rows.Select(r => r.ZeroShot).ToList();
        rows.Add(new AdditionRow(init, null, 0, Measured.Mean(zeroShot), null, null, zeroShot));
        foreach (var mode in modes ?? EditModes.All)
        {
            var label = $"task addition: {mode.Label()} ({init.ToString().ToLowerInvariant()})";
            var e = suite.Evaluator(mode, init);
            int evaluated = 0;
            double Normalized(double alpha, SplitKind split) => Enumerable.Range(0, tasks.Count)
                .Average(t => e.Accuracy(tasks[t], split, e.All(alpha)) / single.Rows[t].Of(mode, split));
            var choice = AlphaSearch.ForAddition(AlphaSearch.PaperGrid, a =>
            {
                suite.Progress.Report(label, evaluated++, AlphaSearch.PaperGrid.Count);
                return Normalized(a, SplitKind.Validation);
            });
            suite.Progress.Report(label, 1, 1);
            var perTask = tasks.Select(t => e.Measure(t, SplitKind.Test, e.All(choice.Alpha))).ToList();
            Measured NormalizedOf(IReadOnlyList<Measured> accuracies) => Measured.Mean(Enumerable.Range(0,
                tasks.Count).Select(t => accuracies[t] / single.Rows[t].Test(mode)));
            rows.Add(new AdditionRow(init, mode, choice.Alpha, Measured.Mean(perTask), NormalizedOf(perTask),
                NormalizedOf(zeroShot), perTask));
            curves[mode] = choice.Curve;
        }
        return new AdditionResult(tasks.Select(t => t.Name).ToList(), rows, curves);
    }

    /// <summary>
    /// Table 1: method, chosen α, absolute and normalized test accuracy (%) with 95 % intervals, and the normalized
    /// accuracy of θ0 itself (α = 0) under the same denominators.
    /// </summary>
    public static Deedle.Frame<int, string> Table(AdditionResult result) =>
        Tables.FromRecords(result.Rows.Select(r => new
        {
            r.Method, r.Alpha, AbsolutePercent = r.Absolute.Format(), NormalizedPercent = r.Normalized?.Format() ?? "",
            NormalizedAtAlpha0 = r.NormalizedAtZero?.Format() ?? "",
        }));

    /// <summary>Per-task test accuracy (%) of every method at its chosen α.</summary>
    public static Deedle.Frame<int, string> PerTaskTable(AdditionResult result) =>
        Tables.FromRecords(result.Rows.Select(r => new
        {
            r.Method, r.Alpha,
            PerTaskPercent = string.Join(", ", result.Tasks.Zip(r.PerTaskTest, (t, a) => $"{t} {100 * a:F1}")),
        }));

    /// <summary>The validation curves α ↦ average normalized accuracy of every mode.</summary>
    public static Plotly.NET.GenericChart Chart(AdditionResult result) => Figures.Lines(
        "Table 1 — validation: average normalized accuracy vs α",
        result.Curves.Select(kv => (kv.Key.Label(), (IReadOnlyList<double>)kv.Value.Select(p => p.Alpha).ToList(),
            (IReadOnlyList<double>)kv.Value.Select(p => p.Score).ToList())),
        "α (shared by all task vectors)", "avg normalized accuracy (validation)");

    /// <summary>Writes Table 1 (CSV, HTML), its α curves and the report section.</summary>
    public static ReportSection Report(Suite suite, AdditionResult result)
    {
        var (lin, std, post) = (result.Of(EditMode.Linear), result.Of(EditMode.Standard), result.Of(EditMode.PostHoc));
        var single = SingleTask.Run(suite);
        var best = Claims.LinearBestAtAddition(result, single);
        var postHoc = Claims.PostHocBeatsNonLinearAtAddition(result, single);
        string Gain(AdditionRow r) => (r.Normalized! - r.NormalizedAtZero!).Format();
        return suite.Publish(Experiment.Addition, Table(result),
            $"All {result.Tasks.Count} task vectors ({string.Join(", ", result.Tasks)}) are added with one shared α " +
            "chosen on the validation splits from {0, 0.05, …, 1} by average normalized accuracy (accuracy of the " +
            "edited model divided by the single-task accuracy of the same mode); numbers are test accuracies at that " +
            "α, averaged over tasks, with 95 % bootstrap intervals over test examples. The last column is θ0 itself " +
            "(α = 0) under the same denominators: the part of the normalized accuracy no edit is needed for. Linear " +
            "and post-hoc rows use the exact affine shortcut.",
            $"Normalized accuracy: linear FT {lin.Normalized!.Format()} %, non-linear FT " +
            $"{std.Normalized!.Format()} %, " +
            $"post-hoc {post.Normalized!.Format()} %; absolute: {lin.Absolute.Format()} / {std.Absolute.Format()} / " +
            $"{post.Absolute.Format()} % (zero-shot {result.ZeroShot.Absolute.Format()} %). Addition adds " +
            $"{Gain(lin)} / {Gain(std)} / {Gain(post)} normalized points over α = 0. Linear FT has the highest " +
            $"normalized and absolute accuracy: {best.Verdict.Text()}; post-hoc beats non-linear FT in normalized " +
            $"accuracy: {postHoc.Verdict.Text()}.",
            new FigureSpec(ExperimentRegistry.Stem(Experiment.Addition), Chart(result), 760, 440));
    }
}
