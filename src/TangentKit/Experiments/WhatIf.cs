using TangentKit.Data;
using TangentKit.Evaluation;
using TangentKit.Reporting;

namespace TangentKit.Experiments;

/// <summary>
/// Free what-ifs on an evaluator of edited models: any per-task α, exact and instant for linear and post-hoc models
/// (the affine shortcut; standard models pay a network pass per α). Shown in notebooks/09-what-if.
/// </summary>
public static class WhatIf
{
    /// <summary>One coefficient per edited task: <paramref name="leading"/> first, 0 for the others.</summary>
    public static double[] Coefficients(int tasks, params double[] leading)
    {
        if (leading.Length > tasks)
            throw new ArgumentException($"{leading.Length} coefficients for {tasks} tasks.", nameof(leading));
        return [.. leading, .. new double[tasks - leading.Length]];
    }

    /// <summary>
    /// Test accuracy of every task (edited and control) with the task vectors scaled by <paramref name="alphas"/>,
    /// next to its accuracy at θ0 (all α = 0).
    /// </summary>
    public static Deedle.Frame<int, string> Table(Suite suite, EditedEvaluator evaluator, IReadOnlyList<double> alphas)
    {
        if (alphas.Count != suite.Tasks.Count)
            throw new ArgumentException($"one α per edited task expected ({suite.Tasks.Count}); got {alphas.Count}.",
                nameof(alphas));
        return Tables.FromRecords(suite.Data.AllTasks.Select(t => new
        {
            Task = t.Name, TestAccuracy = evaluator.Accuracy(t, SplitKind.Test, alphas),
            AtZero = evaluator.Accuracy(t, SplitKind.Test, evaluator.All(0)),
        }));
    }

    /// <summary>
    /// Test accuracy of the first task with α1 τ1 + α2 τ2 (the other vectors at 0) over <paramref name="grid"/>²:
    /// <c>z[i2][i1]</c>, the layout of <see cref="Figures.Heatmap"/>.
    /// </summary>
    public static double[][] FirstPairMap(Suite suite, EditedEvaluator evaluator, IReadOnlyList<double> grid)
    {
        if (suite.Tasks.Count < 2) throw new ArgumentException("the map needs two edited tasks.", nameof(suite));
        var first = suite.Tasks[0];
        return grid.Select(a2 => grid.Select(a1 => evaluator.Accuracy(first, SplitKind.Test,
            Coefficients(suite.Tasks.Count, a1, a2))).ToArray()).ToArray();
    }

    /// <summary><see cref="FirstPairMap"/> as a heatmap.</summary>
    public static Plotly.NET.GenericChart FirstPairChart(Suite suite, IReadOnlyList<double> grid, double[][] map)
    {
        var (a, b) = (suite.Tasks[0].Name, suite.Tasks[1].Name);
        return Figures.Heatmap($"{a} accuracy over (α for {a}, α for {b})", grid, grid, map, $"α {a}", $"α {b}");
    }

    /// <summary>
    /// <see cref="FirstPairMap"/> as a table: one row per α2 (second task), one column per α1 (first task), test
    /// accuracy in % rounded to whole points.
    /// </summary>
    public static Deedle.Frame<int, string> FirstPairTable(IReadOnlyList<double> grid, double[][] map)
    {
        var rows = Enumerable.Range(0, grid.Count).ToArray();
        var columns = new List<KeyValuePair<string, Deedle.Series<int, object>>>
        {
            new("α2 \\ α1",
                new Deedle.Series<int, object>(rows, rows.Select(i => (object)$"{grid[i]:0.##}").ToArray())),
        };
        for (int j = 0; j < grid.Count; j++)
            columns.Add(new($"{grid[j]:0.##}", new Deedle.Series<int, object>(rows,
                rows.Select(i => (object)Math.Round(100 * map[i][j])).ToArray())));
        return Deedle.Frame.FromColumns(columns);
    }
}
