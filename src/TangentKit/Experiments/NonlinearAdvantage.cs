using TangentKit.Reporting;

namespace TangentKit.Experiments;

/// <summary>The single-task cost of fine-tuning in the tangent space, per task.</summary>
public sealed record AdvantageRow(string Task, int Classes, double StandardTest, double LinearTest,
    double NormalizedAdvantage);

/// <summary>
/// Non-linear advantage: (acc_non-linear − acc_linear) / (1 − 1/C) on each task's test split, as the reference code
/// computes it — how much single-task accuracy linear fine-tuning gives up.
/// Shown in notebooks/07-nonlinear-advantage.
/// </summary>
public static class NonlinearAdvantage
{
    /// <summary>
    /// Derived from the single-task accuracies (no extra network pass); stored as its own result file.
    /// </summary>
    public static IReadOnlyList<AdvantageRow> Run(Suite suite)
    {
        var single = SingleTask.Run(suite);
        return suite.Results.GetOrCompute<IReadOnlyList<AdvantageRow>>(ExperimentRegistry.Stem(Experiment.Advantage),
            () => single.Rows
            .Select(r => new AdvantageRow(r.Task, r.Classes, r.StandardTest, r.LinearTest,
                (r.StandardTest - r.LinearTest) / (1 - 1.0 / r.Classes)))
            .ToList());
    }

    /// <summary>The advantage per task as a bar chart.</summary>
    public static Plotly.NET.GenericChart Chart(IReadOnlyList<AdvantageRow> rows)
        => Figures.Bars("Non-linear advantage per task (normalized)", rows.Select(r => r.Task).ToList(),
            [("(acc non-lin − acc lin) / (1 − 1/C)", rows.Select(r => r.NormalizedAdvantage).ToList())],
                "normalized advantage");

    /// <summary>Writes the table, chart and section.</summary>
    public static ReportSection Report(Suite suite, IReadOnlyList<AdvantageRow> rows)
    {
        return suite.Publish(Experiment.Advantage, Tables.FromRecords(rows),
            "Single-task test accuracy of non-linear fine-tuning minus that of linear fine-tuning, divided by (1 − " +
            "1/C) with C classes (the reference code's normalization).",
            $"Mean normalized advantage {rows.Average(r => r.NormalizedAdvantage):+0.000;-0.000} (positive on " +
            $"{rows.Count(r => r.NormalizedAdvantage > 0)} of {rows.Count} tasks). " +
            (rows.Average(r => r.NormalizedAdvantage) > 0
                ? "Linear fine-tuning gives up single-task accuracy, as in the paper."
                : "Here linear fine-tuning does not lose single-task accuracy on average, unlike the paper."),
            new FigureSpec(ExperimentRegistry.Stem(Experiment.Advantage), Chart(rows), 760, 440));
    }
}
