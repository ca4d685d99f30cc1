using TangentKit.Data;
using TangentKit.Evaluation;
using TangentKit.Reporting;

namespace TangentKit.Experiments;

/// <summary>
/// Single-task accuracies of one task: θ0 (zero-shot head), and θ0 + τ_t in each mode, on validation and test.
/// </summary>
public sealed record SingleTaskRow(string Task, int Classes, double ZeroShotValidation, double ZeroShotTest,
    double StandardValidation, double StandardTest,
    double PostHocValidation, double PostHocTest, double LinearValidation, double LinearTest)
{
    /// <summary>Single-task accuracy of a mode on a split (the denominators of normalized accuracy).</summary>
    public double Of(EditMode mode, SplitKind split) => (mode, split) switch
    {
        (EditMode.Standard, SplitKind.Validation) => StandardValidation,
        (EditMode.Standard, _) => StandardTest,
        (EditMode.PostHoc, SplitKind.Validation) => PostHocValidation,
        (EditMode.PostHoc, _) => PostHocTest,
        (EditMode.Linear, SplitKind.Validation) => LinearValidation,
        _ => LinearTest,
    };
}

/// <summary>Single-task accuracies of every edited task.</summary>
public sealed record SingleTaskResult(IReadOnlyList<SingleTaskRow> Rows);

/// <summary>
/// Figure 2 (and the denominators of every normalized accuracy): the accuracy of θ0 + τ_t on task t, for the network
/// (non-linear FT), for its linearization at the same τ_t (post-hoc) and for linear fine-tuning.
/// Shown in notebooks/03-figure2-post-hoc-linearization.
/// </summary>
public static class SingleTask
{
    /// <summary>Computes (or reads) the single-task accuracies from the pre-trained θ0.</summary>
    public static SingleTaskResult Run(Suite suite) =>
        suite.Results.GetOrCompute(ExperimentRegistry.Stem(Experiment.SingleTask),
            () => Measure(suite, Initialization.Pretrained));

    /// <summary>
    /// Measures the single-task accuracies from <paramref name="init"/>'s θ0 (not cached on its own).
    /// </summary>
    public static SingleTaskResult Measure(Suite suite, Initialization init)
    {
        var rows = new List<SingleTaskRow>();
        for (int t = 0; t < suite.Tasks.Count; t++)
        {
            var task = suite.Tasks[t];
            suite.Progress.Report($"single-task accuracy ({init.ToString().ToLowerInvariant()})", t, suite.Tasks.Count);
            double Acc(EditMode m, SplitKind s,
                double alpha) { var e = suite.Evaluator(m, init); return e.Accuracy(task, s, e.Only(t, alpha)); }
            rows.Add(new SingleTaskRow(task.Name, task.Classes.Count,
                Acc(EditMode.Standard, SplitKind.Validation, 0), Acc(EditMode.Standard, SplitKind.Test, 0),
                Acc(EditMode.Standard, SplitKind.Validation, 1), Acc(EditMode.Standard, SplitKind.Test, 1),
                Acc(EditMode.PostHoc, SplitKind.Validation, 1), Acc(EditMode.PostHoc, SplitKind.Test, 1),
                Acc(EditMode.Linear, SplitKind.Validation, 1), Acc(EditMode.Linear, SplitKind.Test, 1)));
        }
        suite.Progress.Report($"single-task accuracy ({init.ToString().ToLowerInvariant()})", 1, 1);
        return new SingleTaskResult(rows);
    }

    /// <summary>Figure 2's table: one row per task.</summary>
    public static Deedle.Frame<int, string> Table(SingleTaskResult result) => Tables.FromRecords(result.Rows);

    /// <summary>Figure 2: test accuracy per task, zero-shot, non-linear, post-hoc and linear.</summary>
    public static Plotly.NET.GenericChart Chart(SingleTaskResult result)
    {
        var rows = result.Rows;
        var categories = rows.Select(r => r.Task).ToList();
        return Figures.Bars("Figure 2 — single-task test accuracy: non-linear FT vs post-hoc linearization", categories,
            [("zero-shot head", rows.Select(r => r.ZeroShotTest).ToList()),
                ("Non-lin. FT", rows.Select(r => r.StandardTest).ToList()),
             ("Post-hoc lin.", rows.Select(r => r.PostHocTest).ToList()),
                 ("Linear. FT", rows.Select(r => r.LinearTest).ToList())], "test accuracy");
    }

    /// <summary>Writes Figure 2's table, chart and report section.</summary>
    public static ReportSection Report(Suite suite, SingleTaskResult result)
    {
        var rows = result.Rows;
        double gap = rows.Average(r => r.StandardTest - r.PostHocTest);
        int lower = rows.Count(r => r.PostHocTest < r.StandardTest);
        return suite.Publish(Experiment.SingleTask, Table(result),
            "Accuracy of θ0 + τ_t on task t's test split, evaluated with the network (Non-lin. FT) and with its " +
            "first-order Taylor expansion around θ0 at the same τ_t (Post-hoc lin.); linear fine-tuning and the " +
            "zero-shot head (θ0) for reference. The paper finds post-hoc linearization loses accuracy for every " +
            "model: fine-tuning does not happen in the linear regime.",
            $"Post-hoc linearization is below non-linear fine-tuning on {lower} of {rows.Count} tasks, by " +
            $"{100 * gap:F1} points on average " +
            (lower == rows.Count ? "(the paper's claim holds here)." : "(the paper's claim holds only partly here)."),
            new FigureSpec(ExperimentRegistry.Stem(Experiment.SingleTask), Chart(result), 760, 440));
    }
}
