using TangentKit.Evaluation;
using TangentKit.Reporting;

namespace TangentKit.Experiments;

/// <summary>Negation of one task in one mode: chosen α, target and control accuracy on test.</summary>
public sealed record NegationTaskResult(string Task, double Alpha, double TargetTest, double ControlTest);

/// <summary>One row of Table 2: averages over the negated tasks.</summary>
public sealed record NegationRow(string Method, double TargetTest, double ControlTest, IReadOnlyList<NegationTaskResult> PerTask);

/// <summary>Table 2's rows.</summary>
public sealed record NegationResult(string ControlTask, double ControlFloorFraction, IReadOnlyList<NegationRow> Rows)
{
    /// <summary>The row of <paramref name="mode"/>.</summary>
    public NegationRow Of(EditMode mode) => Rows.Single(r => r.Method == mode.Label());
}

/// <summary>
/// Table 2 — task negation: θ0 − α τ_t for each task separately, α ∈ {0, 0.05, …, 1} minimising the target's validation accuracy
/// while the held-out control task keeps ≥ 95 % of its pre-trained validation accuracy; reported on test, averaged over tasks.
/// </summary>
public static class TaskNegation
{
    /// <summary>Fraction of the pre-trained control accuracy that must be kept (the paper's 0.95).</summary>
    public const double ControlFloor = 0.95;

    /// <summary>Computes (or reads) Table 2.</summary>
    public static NegationResult Run(Suite suite) => suite.Results.GetOrCompute("table2_task_negation", () =>
    {
        var tasks = suite.Tasks;
        var control = suite.Data.Control;
        var zero = suite.Evaluator(EditMode.Standard);
        var none = zero.All(0);
        double controlVal = zero.Accuracy(control, SplitKind.Validation, none), controlTest = zero.Accuracy(control, SplitKind.Test, none);
        var pre = tasks.Select(t => new NegationTaskResult(t.Name, 0, zero.Accuracy(t, SplitKind.Test, none), controlTest)).ToList();
        var rows = new List<NegationRow> { new("Pre-trained (θ0)", pre.Average(p => p.TargetTest), controlTest, pre) };
        foreach (var mode in EditModes.All)
        {
            var e = suite.Evaluator(mode);
            var label = $"task negation: {mode.Label()}";
            var perTask = new List<NegationTaskResult>();
            for (int t = 0; t < tasks.Count; t++)
            {
                suite.Progress.Report(label, t, tasks.Count);
                int index = t;
                var choice = AlphaSearch.ForNegation(AlphaSearch.PaperGrid,
                    a => (e.Accuracy(tasks[index], SplitKind.Validation, e.Only(index, -a)), e.Accuracy(control, SplitKind.Validation, e.Only(index, -a))),
                    ControlFloor * controlVal);
                var at = e.Only(t, -choice.Alpha);
                perTask.Add(new NegationTaskResult(tasks[t].Name, choice.Alpha, e.Accuracy(tasks[t], SplitKind.Test, at), e.Accuracy(control, SplitKind.Test, at)));
            }
            suite.Progress.Report(label, 1, 1);
            rows.Add(new NegationRow(mode.Label(), perTask.Average(p => p.TargetTest), perTask.Average(p => p.ControlTest), perTask));
        }
        return new NegationResult(control.Name, ControlFloor, rows);
    });

    /// <summary>Table 2: method, target and control test accuracy (%), chosen α per task.</summary>
    public static Deedle.Frame<int, string> Table(NegationResult result) =>
        Tables.FromRecords(result.Rows.Select(r => new { r.Method, TargetPercent = 100 * r.TargetTest, ControlPercent = 100 * r.ControlTest,
            Alphas = string.Join(" ", r.PerTask.Select(p => $"{p.Task}:{p.Alpha:0.##}")) }));

    /// <summary>Target and control accuracy per method.</summary>
    public static Plotly.NET.GenericChart Chart(NegationResult result) => Figures.Bars("Table 2 — task negation (test): target ↓, control ↑", result.Rows.Select(r => r.Method).ToList(),
            [("target accuracy", result.Rows.Select(r => r.TargetTest).ToList()), ($"control accuracy ({result.ControlTask})", result.Rows.Select(r => r.ControlTest).ToList())],
            "test accuracy");

    /// <summary>Writes Table 2 and its report section.</summary>
    public static void Report(Suite suite, NegationResult result)
    {
        var (lin, std, post) = (result.Of(EditMode.Linear), result.Of(EditMode.Standard), result.Of(EditMode.PostHoc));
        ReportWriter.Write(suite, "table2_task_negation", "Table 2 — task negation", Table(result),
            $"Each task vector is subtracted on its own, θ0 − α τ_t with α ∈ {{0, 0.05, …, 1}} minimising the task's validation accuracy while the held-out control task " +
            $"({result.ControlTask}, never fine-tuned; the paper uses ImageNet) keeps at least {100 * result.ControlFloorFraction:F0} % of its pre-trained validation accuracy. " +
            "Test accuracies at the chosen α, averaged over the negated tasks.",
            $"Target accuracy after negation: linear FT {100 * lin.TargetTest:F1} %, non-linear FT {100 * std.TargetTest:F1} %, post-hoc {100 * post.TargetTest:F1} % " +
            $"(pre-trained {100 * result.Rows[0].TargetTest:F1} %); control stays at {100 * lin.ControlTest:F1} / {100 * std.ControlTest:F1} / {100 * post.ControlTest:F1} % " +
            $"(pre-trained {100 * result.Rows[0].ControlTest:F1} %). The paper finds linear FT forgets the target most: " +
            $"{(lin.TargetTest < std.TargetTest ? "holds here" : "does not hold here")}.",
            [("table2_task_negation", Chart(result), 760, 440)]);
    }
}
