using System.Diagnostics;
using TangentKit.Reporting;

namespace TangentKit.Experiments;

/// <summary>The names of the reproduction's experiments, for <c>tangent reproduce --only</c> and the verbs.</summary>
public enum Experiment
{
    /// <summary>Figure 2.</summary>
    SingleTask,
    /// <summary>Table 1.</summary>
    Addition,
    /// <summary>Table 2.</summary>
    Negation,
    /// <summary>Figures 3 and 4.</summary>
    Disentanglement,
    /// <summary>Figure 5.</summary>
    Ntk,
    /// <summary>Random initialization vs pre-trained.</summary>
    RandomInit,
    /// <summary>Non-linear advantage.</summary>
    Advantage,
    /// <summary>Cost of linearization.</summary>
    Cost,
    /// <summary>Task-vector cosine similarities.</summary>
    Similarity,
    /// <summary>Per-task α what-if.</summary>
    PerTaskAlpha,
}

/// <summary>Runs experiments of a suite (all by default), writes their files and the report index. `tangent reproduce`.</summary>
public static class Reproduction
{
    /// <summary>Every experiment in report order.</summary>
    public static IReadOnlyList<Experiment> All { get; } = Enum.GetValues<Experiment>();

    /// <summary>Runs <paramref name="experiments"/> (all if null) and writes <c>index.html</c>; returns its path.</summary>
    public static string Run(Suite suite, IReadOnlyCollection<Experiment>? experiments = null)
    {
        var clock = Stopwatch.StartNew();
        experiments ??= All;
        foreach (var experiment in All.Where(experiments.Contains)) RunOne(suite, experiment);
        return ReportIndex.Write(suite.Results, $"Task arithmetic in the tangent space — {suite.Preset.Name} reproduction",
            $"TangentKit, preset '{suite.Preset.Name}' ({suite.Data.Model.Name}, tasks: {string.Join(", ", suite.Tasks.Select(t => t.Name))}; control: {suite.Data.Control.Name}), " +
            $"written {DateTime.Now:yyyy-MM-dd HH:mm}; this invocation took {clock.Elapsed.TotalMinutes:F1} min (cached steps are read back).");
    }

    /// <summary>Runs one experiment and writes its files.</summary>
    public static void RunOne(Suite suite, Experiment experiment)
    {
        switch (experiment)
        {
            case Experiment.SingleTask: SingleTask.Report(suite, SingleTask.Run(suite)); break;
            case Experiment.Addition: TaskAddition.Report(suite, TaskAddition.Run(suite)); break;
            case Experiment.Negation: TaskNegation.Report(suite, TaskNegation.Run(suite)); break;
            case Experiment.Disentanglement: Disentanglement.Report(suite, Disentanglement.Run(suite)); break;
            case Experiment.Ntk: NtkLocalization.Report(suite, NtkLocalization.Run(suite)); break;
            case Experiment.RandomInit: RandomInit.Report(suite, RandomInit.Run(suite)); break;
            case Experiment.Advantage: NonlinearAdvantage.Report(suite, NonlinearAdvantage.Run(suite)); break;
            case Experiment.Cost: LinearizationCost.Report(suite, LinearizationCost.Run(suite)); break;
            case Experiment.Similarity: TaskVectorSimilarity.Report(suite, TaskVectorSimilarity.Run(suite)); break;
            case Experiment.PerTaskAlpha: PerTaskAlpha.Report(suite, PerTaskAlpha.Run(suite)); break;
            default: throw new ArgumentOutOfRangeException(nameof(experiment), experiment, "unknown experiment");
        }
    }
}
