using TangentKit.Data;
using TangentKit.Evaluation;
using TangentKit.Reporting;

namespace TangentKit.Experiments;

/// <summary>Negation of one task in one mode: chosen α, target and control accuracy on test.</summary>
public sealed record NegationTaskResult(string Task, double Alpha, Measured Target, Measured Control)
{
    /// <summary>Target test accuracy.</summary>
    public double TargetTest => Target.Value;

    /// <summary>Control test accuracy.</summary>
    public double ControlTest => Control.Value;
}

/// <summary>
/// One row of Table 2: averages over the negated tasks; <paramref name="Mode"/> is null for θ0 itself.
/// </summary>
public sealed record NegationRow(EditMode? Mode, Measured Target, Measured Control,
    IReadOnlyList<NegationTaskResult> PerTask)
{
    /// <summary>The paper's row label.</summary>
    public string Method => Mode?.Label() ?? "Pre-trained (θ0)";

    /// <summary>Average target test accuracy.</summary>
    public double TargetTest => Target.Value;

    /// <summary>Average control test accuracy.</summary>
    public double ControlTest => Control.Value;
}

/// <summary>Table 2's rows.</summary>
public sealed record NegationResult(string ControlTask, int ControlClasses, double ControlFloorFraction,
    IReadOnlyList<NegationRow> Rows)
{
    /// <summary>The row of <paramref name="mode"/>.</summary>
    public NegationRow Of(EditMode mode) => Rows.Single(r => r.Mode == mode);

    /// <summary>The pre-trained row (θ0, α = 0).</summary>
    public NegationRow Pretrained => Rows.Single(r => r.Mode is null);
}

/// <summary>
/// Table 2 — task negation: θ0 − α τ_t for each task separately, α ∈ {0, 0.05, …, 1} minimizing the target's validation
/// accuracy while the held-out control task keeps ≥ 95 % of its pre-trained validation accuracy; reported on test,
/// averaged over tasks. Shown in notebooks/02-table2-task-negation.
/// </summary>
public static class TaskNegation
{
    /// <summary>Fraction of the pre-trained control accuracy that must be kept (the paper's 0.95).</summary>
    public const double ControlFloor = 0.95;

    /// <summary>Computes (or reads) Table 2.</summary>
    public static NegationResult Run(Suite suite)
        => suite.Results.GetOrCompute(ExperimentRegistry.Stem(Experiment.Negation), () =>
    {
        var tasks = suite.Tasks;
        var control = suite.Data.Control;
        var zero = suite.Evaluator(EditMode.Standard);
        var none = zero.All(0);
        double controlVal = zero.Accuracy(control, SplitKind.Validation, none);
        var controlTest = zero.Measure(control, SplitKind.Test, none);
        var pre = tasks.Select(t => new NegationTaskResult(t.Name, 0, zero.Measure(t, SplitKind.Test, none),
            controlTest)).ToList();
        var rows = new List<NegationRow> { new(null, Measured.Mean(pre.Select(p => p.Target)), controlTest, pre) };
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
                    a => (e.Accuracy(tasks[index], SplitKind.Validation, e.Only(index, -a)),
                          e.Accuracy(control, SplitKind.Validation, e.Only(index, -a))),
                    ControlFloor * controlVal);
                var at = e.Only(t, -choice.Alpha);
                perTask.Add(new NegationTaskResult(tasks[t].Name, choice.Alpha,
                    e.Measure(tasks[t], SplitKind.Test, at), e.Measure(control, SplitKind.Test, at)));
            }
            suite.Progress.Report(label, 1, 1);
            rows.Add(new NegationRow(mode, Measured.Mean(perTask.Select(p => p.Target)),
                Measured.Mean(perTask.Select(p => p.Control)), perTask));
        }
        return new NegationResult(control.Name, control.Classes.Count, ControlFloor, rows);
    });

    /// <summary>Table 2: method, target and control test accuracy (%), chosen α per task.</summary>
    public static Deedle.Frame<int, string> Table(NegationResult result) =>
        Tables.FromRecords(result.Rows.Select(r => new
        {
            r.Method, TargetPercent = r.Target.Format(), ControlPercent = r.Control.Format(),
            Alphas = string.Join(" ", r.PerTask.Select(p => $"{p.Task}:{p.Alpha:0.##}")),
        }));

    /// <summary>The chosen α and the target and control test accuracy (%) of every negated task, per method.</summary>
    public static Deedle.Frame<int, string> PerTaskTable(NegationResult result) =>
        Tables.FromRecords(result.Rows.Where(r => r.Mode is not null).SelectMany(r => r.PerTask.Select(p => new
        {
            r.Method, p.Task, p.Alpha, TargetPercent = p.Target.Format(), ControlPercent = p.Control.Format(),
        })));

    /// <summary>Target and control accuracy per method.</summary>
    public static Plotly.NET.GenericChart Chart(NegationResult result) => Figures.Bars(
        "Table 2 — task negation (test): target ↓, control ↑", result.Rows.Select(r => r.Method).ToList(),
        [("target accuracy", result.Rows.Select(r => r.TargetTest).ToList()),
         ($"control accuracy ({result.ControlTask})", result.Rows.Select(r => r.ControlTest).ToList())],
        "test accuracy");

    /// <summary>Writes Table 2 (CSV, HTML), its chart and the report section.</summary>
    public static ReportSection Report(Suite suite, NegationResult result)
    {
        var (lin, std, post, pre) = (result.Of(EditMode.Linear), result.Of(EditMode.Standard),
            result.Of(EditMode.PostHoc), result.Pretrained);
        var claim = Claims.LinearForgetsMost(result, SingleTask.Run(suite));
        int atEdge = result.Rows.Where(r => r.Mode is not null).Sum(r => r.PerTask.Count(p => p.Alpha == 1));
        int negated = result.Rows.Where(r => r.Mode is not null).Sum(r => r.PerTask.Count);
        return suite.Publish(Experiment.Negation, Table(result),
            "Each task vector is subtracted on its own, θ0 − α τ_t with α ∈ {0, 0.05, …, 1} minimizing the task's " +
            $"validation accuracy while the held-out control task ({result.ControlTask}, never fine-tuned; the paper " +
            $"uses ImageNet) keeps at least {100 * result.ControlFloorFraction:F0} % of its pre-trained validation " +
            "accuracy. Test accuracies at the chosen α, averaged over the negated tasks, with 95 % bootstrap " +
            "intervals over test examples.",
            $"Target accuracy after negation: linear FT {lin.Target.Format()} %, non-linear FT {std.Target.Format()} " +
            $"%, post-hoc {post.Target.Format()} % (pre-trained {pre.Target.Format()} %); control " +
            $"{lin.Control.Format()} / {std.Control.Format()} / {post.Control.Format()} % (pre-trained " +
            $"{pre.Control.Format()} %). {atEdge} of {negated} chosen α sit at the grid's edge α = 1. Linear FT " +
            $"forgets the target most: {claim.Verdict.Text()}.",
            new FigureSpec(ExperimentRegistry.Stem(Experiment.Negation), Chart(result), 760, 440));
    }
}
