using System.Diagnostics;
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
        return ReportIndex.Write(suite.Results,
            $"Task arithmetic in the tangent space — {suite.Preset.Name} reproduction",
            $"TangentKit, preset '{suite.Preset.Name}'{data}, written {DateTime.Now:yyyy-MM-dd HH:mm}; this " +
            $"invocation took {clock.Elapsed.TotalMinutes:F1} min (cached steps are read back).");
    }

    // Its result and those of every experiment it reads are stored under this preset's fingerprint.
    static bool IsStored(Suite suite, ExperimentInfo info) =>
        suite.Results.IsCurrent(info.Stem) && info.Needs.All(n => IsStored(suite, ExperimentRegistry.Of(n)));

    /// <summary>
    /// Which experiments have results stored for this suite's preset, with their files and notebooks.
    /// </summary>
    public static Deedle.Frame<int, string> Status(Suite suite) =>
        Tables.FromRecords(ExperimentRegistry.All.Select(e => new
        {
            Experiment = e.Title,
            e.Verb,
            Stored = suite.Results.IsCurrent(e.Stem),
            Result = e.Stem + ".json",
            e.Notebook,
        }));
}
