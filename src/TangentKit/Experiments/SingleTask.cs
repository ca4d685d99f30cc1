using TangentKit.Data;
using TangentKit.Evaluation;
using TangentKit.Reporting;
using TangentKit.Training;

namespace TangentKit.Experiments;

/// <summary>
/// Single-task accuracies of one task: θ0 (zero-shot head) and θ0 + τ_t in each mode; validation as numbers, test
/// with bootstrap replicates. Post-hoc is null (validation NaN) where it was not evaluated (the random-init arm).
/// </summary>
public sealed record SingleTaskRow(string Task, int Classes, bool IsColor, double ZeroShotValidation,
    double StandardValidation, double PostHocValidation, double LinearValidation, Measured ZeroShot,
    Measured Standard, Measured? PostHoc, Measured Linear)
{
    /// <summary>Test accuracy of θ0 with the task's prototype head.</summary>
    public double ZeroShotTest => ZeroShot.Value;

    /// <summary>Test accuracy after non-linear fine-tuning.</summary>
    public double StandardTest => Standard.Value;

    /// <summary>Test accuracy of the post-hoc linearization at the non-linear τ.</summary>
    public double PostHocTest => PostHoc?.Value ?? double.NaN;

    /// <summary>Test accuracy after linearized fine-tuning.</summary>
    public double LinearTest => Linear.Value;

    /// <summary>Single-task accuracy of a mode on a split (the denominators of normalized accuracy).</summary>
    public double Of(EditMode mode, SplitKind split) => split == SplitKind.Validation
        ? mode switch
        {
            EditMode.Standard => StandardValidation,
            EditMode.PostHoc => PostHocValidation,
            _ => LinearValidation,
        }
        : Test(mode).Value;

    /// <summary>Test accuracy of a mode with its replicates.</summary>
    public Measured Test(EditMode mode) => mode switch
    {
        EditMode.Standard => Standard,
        EditMode.PostHoc => PostHoc ?? throw new InvalidOperationException($"{Task}: post-hoc was not evaluated."),
        _ => Linear,
    };
}

/// <summary>A fine-tuning run's validation-accuracy curve.</summary>
public sealed record FineTuneCurve(string Task, FineTuneMode Mode, IReadOnlyList<CurvePoint> Points);

/// <summary>
/// Single-task accuracies of every edited task, the fine-tuning curves, and the set-up's gate: fine-tuning must raise
/// the average test accuracy by at least <see cref="SingleTask.GateGain"/> over zero-shot in both fine-tuning modes.
/// </summary>
public sealed record SingleTaskResult(IReadOnlyList<SingleTaskRow> Rows, IReadOnlyList<FineTuneCurve> Curves)
{
    /// <summary>Average zero-shot test accuracy over the tasks.</summary>
    public Measured ZeroShot => Measured.Mean(Rows.Select(r => r.ZeroShot));

    /// <summary>Average single-task test accuracy of a mode over the tasks.</summary>
    public Measured Average(EditMode mode) => Measured.Mean(Rows.Select(r => r.Test(mode)));

    /// <summary>Average gain of a fine-tuning mode over zero-shot (paired).</summary>
    public Measured Gain(EditMode mode) => Average(mode) - ZeroShot;

    /// <summary>True when both fine-tuning modes gain at least the gate over zero-shot (point estimates).</summary>
    public bool Discriminating => Gain(EditMode.Standard).Value >= SingleTask.GateGain
        && Gain(EditMode.Linear).Value >= SingleTask.GateGain;
}

/// <summary>
/// Figure 2 (and the denominators of every normalized accuracy): the accuracy of θ0 + τ_t on task t, for the network
/// (non-linear FT), for its linearization at the same τ_t (post-hoc) and for linear fine-tuning; the zero-shot row.
/// Shown in notebooks/03-figure2-post-hoc-linearization.
/// </summary>
public static class SingleTask
{
    /// <summary>
    /// Least average gain of fine-tuning over zero-shot (0.15 = 15 points) for the set-up to discriminate the claims.
    /// </summary>
    public const double GateGain = 0.15;

    /// <summary>Computes (or reads) the single-task accuracies from the pre-trained θ0.</summary>
    public static SingleTaskResult Run(Suite suite) =>
        suite.Results.GetOrCompute(ExperimentRegistry.Stem(Experiment.SingleTask),
            () => Measure(suite, Initialization.Pretrained));

    /// <summary>
    /// Measures the single-task accuracies from <paramref name="init"/>'s θ0 (not cached alone); <paramref
    /// name="postHoc"/> false skips the post-hoc linearization.
    /// </summary>
    public static SingleTaskResult Measure(Suite suite, Initialization init, bool postHoc = true)
    {
        var rows = new List<SingleTaskRow>();
        string label = $"single-task accuracy ({init.ToString().ToLowerInvariant()})";
        for (int t = 0; t < suite.Tasks.Count; t++)
        {
            var task = suite.Tasks[t];
            suite.Progress.Report(label, t, suite.Tasks.Count);
            var standard = suite.Evaluator(EditMode.Standard, init);
            double Val(EditMode m, double alpha)
            {
                var e = suite.Evaluator(m, init);
                return e.Accuracy(task, SplitKind.Validation, e.Only(t, alpha));
            }
            Measured Test(EditMode m, double alpha)
            {
                var e = suite.Evaluator(m, init);
                return e.Measure(task, SplitKind.Test, e.Only(t, alpha));
            }
            rows.Add(new SingleTaskRow(task.Name, task.Classes.Count, task.IsColor, Val(EditMode.Standard, 0),
                Val(EditMode.Standard, 1), postHoc ? Val(EditMode.PostHoc, 1) : double.NaN, Val(EditMode.Linear, 1),
                Test(EditMode.Standard, 0), Test(EditMode.Standard, 1), postHoc ? Test(EditMode.PostHoc, 1) : null,
                Test(EditMode.Linear, 1)));
        }
        suite.Progress.Report(label, 1, 1);
        var curves = suite.Tasks.SelectMany(task => new[] { FineTuneMode.Standard, FineTuneMode.Linear }
            .Select(m => new FineTuneCurve(task.Name, m, suite.ValidationCurve(task, m, init)))).ToList();
        return new SingleTaskResult(rows, curves);
    }

    /// <summary>Per task: zero-shot and single-task test accuracy of each mode (%), with 95 % intervals.</summary>
    public static Deedle.Frame<int, string> Table(SingleTaskResult result) =>
        Tables.FromRecords(result.Rows.Select(r => new
        {
            r.Task, r.Classes, ZeroShot = r.ZeroShot.Format(), NonLinearFT = r.Standard.Format(),
            PostHoc = r.PostHoc?.Format() ?? "", LinearFT = r.Linear.Format(),
        }).Append(new
        {
            Task = "average", Classes = 0, ZeroShot = result.ZeroShot.Format(),
            NonLinearFT = result.Average(EditMode.Standard).Format(),
            PostHoc = result.Rows.All(r => r.PostHoc is not null) ? result.Average(EditMode.PostHoc).Format() : "",
            LinearFT = result.Average(EditMode.Linear).Format(),
        }));

    /// <summary>Grouped bars: zero-shot and the three single-task accuracies per task.</summary>
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

    /// <summary>Validation accuracy against fine-tuning steps, one line per task and mode.</summary>
    public static Plotly.NET.GenericChart CurvesChart(SingleTaskResult result) => Figures.Lines(
        "Fine-tuning curves — validation accuracy vs step",
        result.Curves.Where(c => c.Points.Count > 0).Select(c =>
            ($"{c.Task} ({c.Mode.ToString().ToLowerInvariant()})",
             (IReadOnlyList<double>)c.Points.Select(p => (double)p.Step).ToList(),
             (IReadOnlyList<double>)c.Points.Select(p => p.Accuracy).ToList())),
        "fine-tuning step", "validation accuracy");

    /// <summary>One sentence on the gate, from the measured gains.</summary>
    public static string GateSentence(SingleTaskResult result)
    {
        var (std, lin) = (result.Gain(EditMode.Standard), result.Gain(EditMode.Linear));
        return $"Fine-tuning raises average test accuracy over zero-shot ({result.ZeroShot.Format()} %) by " +
            $"{std.Format()} points (non-linear) and {lin.Format()} points (linear); the gate of " +
            $"{100 * GateGain:F0} points is {(result.Discriminating ? "met" : "missed")}, so the claims " +
            (result.Discriminating ? "are tested." : "are not tested (every verdict reads \"not discriminating\").");
    }

    /// <summary>Writes Figure 2's table, chart, the fine-tuning curves and the report section.</summary>
    public static ReportSection Report(Suite suite, SingleTaskResult result)
    {
        var rows = result.Rows;
        var stem = ExperimentRegistry.Stem(Experiment.SingleTask);
        var claim = Claims.PostHocBelowNonLinear(result);
        int lower = rows.Count(r => r.PostHocTest < r.StandardTest);
        return suite.Publish(Experiment.SingleTask, Table(result),
            "Accuracy of θ0 + τ_t on task t's test split, evaluated with the network (Non-lin. FT) and with its " +
            "first-order Taylor expansion around θ0 at the same τ_t (Post-hoc lin.); linear fine-tuning and θ0 with " +
            "its prototype head (zero-shot) for reference. Brackets: 95 % bootstrap intervals over test examples.",
            $"{GateSentence(result)} Post-hoc linearization is below non-linear fine-tuning on {lower} of " +
            $"{rows.Count} tasks (mean difference " +
            $"{Measured.Mean(rows.Select(r => r.Standard - r.PostHoc!)).Format()} points); post-hoc below non-linear " +
            $"on every task: {claim.Verdict.Text()}.",
            [new FigureSpec(stem, Chart(result), 760, 440),
             .. result.Curves.Any(c => c.Points.Count > 0)
                 ? [new FigureSpec(stem + "_curves", CurvesChart(result), 760, 440)] : Array.Empty<FigureSpec>()]);
    }
}
