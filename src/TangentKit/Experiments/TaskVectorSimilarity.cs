using TangentKit.Reporting;
using TangentKit.TaskVectors;
using TangentKit.Training;

namespace TangentKit.Experiments;

/// <summary>Cosine similarities between the task vectors of one fine-tuning mode.</summary>
public sealed record SimilarityMatrix(FineTuneMode Mode, IReadOnlyList<string> Tasks, double[][] Cosine,
    IReadOnlyList<double> Norms);

/// <summary>
/// Beyond the paper: how aligned the task vectors are (near-orthogonal vectors interfere less when added).
/// Shown in notebooks/09-what-if.
/// </summary>
public static class TaskVectorSimilarity
{
    /// <summary>Computes (or reads) the matrices of standard and linear task vectors.</summary>
    public static IReadOnlyList<SimilarityMatrix> Run(Suite suite) =>
        suite.Results.GetOrCompute<IReadOnlyList<SimilarityMatrix>>(ExperimentRegistry.Stem(Experiment.Similarity),
        () =>
        new[] { FineTuneMode.Standard, FineTuneMode.Linear }.Select(mode =>
        {
            var v = suite.Vectors(mode);
            var cos = v.Select(a => v.Select(b => TaskVector.Cosine(a, b)).ToArray()).ToArray();
            return new SimilarityMatrix(mode, suite.Tasks.Select(t => t.Name).ToList(), cos,
                v.Select(x => x.Norm()).ToList());
        }).ToList());

    /// <summary>Norm and mean |cosine| to the other tasks, per task and mode.</summary>
    public static Deedle.Frame<int, string> Table(IReadOnlyList<SimilarityMatrix> result) =>
        Tables.FromRecords(result.SelectMany(m => m.Tasks.Select((t, i) => new { m.Mode, Task = t, Norm = m.Norms[i],
            MeanAbsCosineToOthers = m.Cosine[i].Where((_, j) => j != i).Select(Math.Abs).Average() })));

    /// <summary>The cosine matrices of standard and linear task vectors, side by side.</summary>
    public static Plotly.NET.GenericChart Chart(IReadOnlyList<SimilarityMatrix> result)
    {
        var idx = Enumerable.Range(0, result[0].Tasks.Count).Select(i => (double)i).ToList();
        var charts = result.Select(m => Figures.Heatmap("", idx, idx, m.Cosine, "task", "task", -1, 1)).ToList();
        var tasks = string.Join(", ", result[0].Tasks.Select((t, i) => $"{i} {t}"));
        return Figures.Row($"Task-vector cosine similarity (tasks: {tasks})", charts,
            result.Select(m => $"{m.Mode} FT").ToList(), 900, 440);
    }

    /// <summary>Writes the heat maps, table and section.</summary>
    public static ReportSection Report(Suite suite, IReadOnlyList<SimilarityMatrix> result)
    {
        var (standard, linear) = (result.Single(m => m.Mode == FineTuneMode.Standard),
            result.Single(m => m.Mode == FineTuneMode.Linear));
        static IEnumerable<double> OffDiagonal(SimilarityMatrix m) =>
            m.Cosine.SelectMany((row, i) => row.Where((_, j) => j != i)).Select(Math.Abs);
        string Mean(SimilarityMatrix m) => $"{OffDiagonal(m).Average():F3}";
        double largest = OffDiagonal(standard).Concat(OffDiagonal(linear)).Max();
        return suite.Publish(Experiment.Similarity, Table(result),
            "Cosine similarity ⟨τ_i, τ_j⟩ / (‖τ_i‖‖τ_j‖) over all parameters, for standard and linear fine-tuning.",
            $"Mean |cosine| between different tasks: standard {Mean(standard)}, linear {Mean(linear)}; the largest " +
            "is " +
            $"{largest:F3}. " + (largest < 0.1
                ? "Vectors of different tasks are nearly orthogonal in both modes, so orthogonality alone cannot " +
                  "explain a difference in disentanglement (the paper's point: it is a property of the function)."
                : "Some task vectors are far from orthogonal here."),
            new FigureSpec(ExperimentRegistry.Stem(Experiment.Similarity), Chart(result), 900, 440));
    }
}
