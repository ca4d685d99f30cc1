using System.Diagnostics;
using TangentKit.Evaluation;
using TangentKit.Reporting;

namespace TangentKit.Experiments;

/// <summary>
/// Runs experiments of a suite (all by default), writes their files and the report index. `tangent reproduce`.
/// </summary>
public static class Reproduction
{
    /// <summary>
    /// Runs <paramref name="experiments"/> (all if null) in registry order and writes <c>index.html</c>, which also
    /// shows every other experiment whose results (and those it reads) are stored; returns its path.
    /// </summary>
    public static string Run(Suite suite, IReadOnlyCollection<Experiment>? experiments = null)
    {
        var clock = Stopwatch.StartNew();
        foreach (var info in ExperimentRegistry.All)
            if (experiments is null || experiments.Contains(info.Id) || IsStored(suite, info))
                info.RunAndReport(suite);
        // The data are named only when this run loaded them: a fully stored report is redrawn without loading them.
        var data = suite.IsDataLoaded
            ? $" ({suite.Data.Model.Name}, tasks: {string.Join(", ", suite.Tasks.Select(t => t.Name))}; " +
              $"control: {suite.Data.Control.Name})"
            : " (every result read back from its file)";
        var evaluation = EvaluationCost(suite);
        if (evaluation.Length > 0) suite.Progress.Message(evaluation);
        return ReportIndex.Write(suite.Results,
            $"Task arithmetic in the tangent space — {suite.Preset.Name} reproduction",
            $"TangentKit, preset '{suite.Preset.Name}'{data}, written {DateTime.Now:yyyy-MM-dd HH:mm}; this " +
            $"invocation took {clock.Elapsed.TotalMinutes:F1} min (cached steps are read back). {evaluation}");
    }

    // One sentence on the network passes this invocation's edited-model evaluations made, per mode and θ0.
    static string EvaluationCost(Suite suite)
    {
        var parts = suite.EvaluationCosts.Where(c => c.Cost.NetworkPasses > 0).Select(c =>
            $"{c.Cost.Mode.Label()} ({c.Init.ToString().ToLowerInvariant()}) {c.Cost.NetworkPasses:N0} passes in " +
            $"{c.Cost.Seconds:F1} s, {c.Cost.PassesPerSecond:F0}/s, for {c.Cost.Edits:N0} " +
            (c.Cost.Mode == EditMode.Standard ? "edited θ" : "edits read from the caches")).ToList();
        return parts.Count == 0 ? "" : "Edited-model evaluation (one pass = one example through the network; " +
            $"linear and post-hoc: one JVP pass per task vector, once): {string.Join("; ", parts)}.";
    }

    /// <summary>
    /// <see cref="Run(Suite, IReadOnlyCollection{Experiment}?)"/> with <paramref name="seeds"/> fine-tuning seeds:
    /// 1 … N − 1 first, each a full reproduction in <c>seeds/train&lt;k&gt;</c> under the suite's folder on the same
    /// data, then seed 0 in the suite's folder, whose summary and verdict table add every seed's verdict and the
    /// range of every number over the seeds.
    /// </summary>
    public static string Run(Suite suite, IReadOnlyCollection<Experiment>? experiments, int seeds)
    {
        if (seeds < 1) throw new ArgumentOutOfRangeException(nameof(seeds), seeds, "--seeds must be at least 1.");
        var folders = new List<string>();
        for (int k = 1; k < seeds; k++)
        {
            var folder = Path.Combine(suite.Results.Directory, "seeds", $"train{k}");
            suite.Progress.Message($"fine-tuning seed {k} of {seeds - 1} extra: {folder}");
            using var replica = suite.WithTrainingSeed(k, folder);
            Run(replica, experiments);
            folders.Add(folder);
        }
        suite.Replicas = folders;
        return Run(suite, experiments);
    }

    // Its result and those of every experiment it reads are stored under this preset's fingerprint.
    static bool IsStored(Suite suite, ExperimentInfo info) =>
        (info.Derived || suite.Results.IsCurrent(info.Stem))
        && info.Needs.All(n => IsStored(suite, ExperimentRegistry.Of(n)));

    /// <summary>
    /// Which experiments have results stored for this suite's preset, with their files and notebooks.
    /// </summary>
    public static Deedle.Frame<int, string> Status(Suite suite) =>
        Tables.FromRecords(ExperimentRegistry.All.Select(e => new
        {
            Experiment = e.Title,
            e.Verb,
            Stored = e.Derived ? File.Exists(suite.Results.PathOf(Summary.FileName)) : suite.Results.IsCurrent(e.Stem),
            Result = e.Stem + ".json",
            e.Notebook,
        }));
}
