using TangentKit.Evaluation;
using TangentKit.Reporting;

namespace TangentKit.Experiments;

/// <summary>One row of Table 1: a method's chosen α and its average absolute and normalised test accuracy.</summary>
public sealed record AdditionRow(string Initialization, string Method, double Alpha, double AbsoluteTest, double NormalizedTest, IReadOnlyList<double> PerTaskTest);

/// <summary>Table 1's rows and the validation curves α ↦ average normalised accuracy.</summary>
public sealed record AdditionResult(IReadOnlyList<string> Tasks, IReadOnlyList<AdditionRow> Rows, IReadOnlyDictionary<string, IReadOnlyList<AlphaPoint>> Curves)
{
    /// <summary>The row of <paramref name="mode"/>.</summary>
    public AdditionRow Of(EditMode mode) => Rows.Single(r => r.Method == mode.Label());
}

/// <summary>
/// Table 1 — task addition: all task vectors summed with one shared α ∈ {0, 0.05, …, 1} chosen on validation by average
/// normalised accuracy (normalised by the single-task accuracy of the same mode), reported on test.
/// </summary>
public static class TaskAddition
{
    /// <summary>Computes (or reads) Table 1 for <paramref name="init"/>.</summary>
    public static AdditionResult Run(Suite suite, Initialization init = Initialization.Pretrained)
    {
        var single = SingleTask.Run(suite, init);
        return suite.Results.GetOrCompute(init == Initialization.Pretrained ? "table1_task_addition" : "random_init_task_addition", () =>
        {
            var tasks = suite.Tasks;
            var rows = new List<AdditionRow>();
            var curves = new Dictionary<string, IReadOnlyList<AlphaPoint>>();
            var zeroShot = single.Rows.Select(r => r.ZeroShotTest).ToList();
            rows.Add(new AdditionRow(init.ToString(), "Zero-shot (θ0)", 0, zeroShot.Average(), double.NaN, zeroShot));
            foreach (var mode in EditModes.All)
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
                var perTask = tasks.Select(t => e.Accuracy(t, SplitKind.Test, e.All(choice.Alpha))).ToList();
                rows.Add(new AdditionRow(init.ToString(), mode.Label(), choice.Alpha, perTask.Average(),
                    Enumerable.Range(0, tasks.Count).Average(t => perTask[t] / single.Rows[t].Of(mode, SplitKind.Test)), perTask));
                curves[mode.Label()] = choice.Curve;
            }
            return new AdditionResult(tasks.Select(t => t.Name).ToList(), rows, curves);
        });
    }

    /// <summary>Table 1: method, chosen α, absolute and normalised test accuracy (%).</summary>
    public static Deedle.Frame<int, string> Table(AdditionResult result) =>
        Tables.FromRecords(result.Rows.Select(r => new { r.Method, r.Alpha, AbsolutePercent = 100 * r.AbsoluteTest, NormalizedPercent = 100 * r.NormalizedTest }));

    /// <summary>The validation curves α ↦ average normalised accuracy of every mode.</summary>
    public static Plotly.NET.GenericChart Chart(AdditionResult result) => Figures.Lines("Table 1 — validation: average normalised accuracy vs α",
            result.Curves.Select(kv => (kv.Key, (IReadOnlyList<double>)kv.Value.Select(p => p.Alpha).ToList(), (IReadOnlyList<double>)kv.Value.Select(p => p.Score).ToList())),
            "α (shared by all task vectors)", "avg normalised accuracy (validation)");

    /// <summary>Writes Table 1 (CSV, HTML), its α curves and the report section.</summary>
    public static void Report(Suite suite, AdditionResult result)
    {
        var (lin, std, post) = (result.Of(EditMode.Linear), result.Of(EditMode.Standard), result.Of(EditMode.PostHoc));
        string verdict = lin.NormalizedTest > std.NormalizedTest ? "holds here" : "does not hold here";
        ReportWriter.Write(suite, "table1_task_addition", "Table 1 — task addition", Table(result),
            $"All {result.Tasks.Count} task vectors ({string.Join(", ", result.Tasks)}) are added with one shared α chosen on the validation splits " +
            "from {0, 0.05, …, 1} by average normalised accuracy (accuracy of the edited model divided by the single-task accuracy of the same mode); " +
            "numbers are test accuracies at that α, averaged over tasks. Linear and post-hoc rows use the exact affine shortcut.",
            $"Normalised accuracy: linear FT {100 * lin.NormalizedTest:F1} %, non-linear FT {100 * std.NormalizedTest:F1} %, post-hoc {100 * post.NormalizedTest:F1} %; " +
            $"absolute: {100 * lin.AbsoluteTest:F1} / {100 * std.AbsoluteTest:F1} / {100 * post.AbsoluteTest:F1} % (zero-shot {100 * result.Rows[0].AbsoluteTest:F1} %). " +
            $"The paper's claim that linear FT gives higher normalised task-addition accuracy than standard FT {verdict}.",
            [("table1_task_addition", Chart(result), 760, 440)]);
    }
}
