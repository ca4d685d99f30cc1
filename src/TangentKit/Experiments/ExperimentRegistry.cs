using TangentKit.Reporting;

namespace TangentKit.Experiments;

/// <summary>The experiments of the reproduction: one per table or figure of the paper, plus two beyond it.</summary>
public enum Experiment
{
    /// <summary>Figure 2: single-task accuracy, non-linear vs post-hoc linearized.</summary>
    SingleTask,
    /// <summary>Table 1: task addition.</summary>
    Addition,
    /// <summary>Table 2: task negation.</summary>
    Negation,
    /// <summary>Figures 3 and 4: weight-disentanglement error maps.</summary>
    Disentanglement,
    /// <summary>Figure 5: NTK eigenfunction localization.</summary>
    Ntk,
    /// <summary>Random initialization vs pre-trained.</summary>
    RandomInit,
    /// <summary>Non-linear advantage.</summary>
    Advantage,
    /// <summary>Cost of linearization.</summary>
    Cost,
    /// <summary>Task-vector cosine similarities (beyond the paper).</summary>
    Similarity,
    /// <summary>Per-task α what-if (beyond the paper).</summary>
    PerTaskAlpha,
    /// <summary>Every claim's verdict, from the other results (summary.json).</summary>
    Verdicts,
}

/// <summary>
/// One experiment's record: what it is called everywhere (CLI verb, result files, report heading, notebook), what it
/// reads first, and how it runs and reports. Every caller (the CLI, <see cref="Reproduction"/>, the notebooks, the
/// tests) goes through <see cref="ExperimentRegistry"/>, so no file name or heading is written twice.
/// </summary>
/// <param name="Id">The experiment.</param>
/// <param name="Verb">Its <c>tangent</c> verb.</param>
/// <param name="Stem">
/// File stem of its results: <c>Stem.json</c>, <c>Stem.csv</c>, figures <c>Stem*.html</c>/<c>.png</c>.
/// </param>
/// <param name="Title">Report heading.</param>
/// <param name="Summary">One sentence for the CLI's help.</param>
/// <param name="Notebook">The notebook that walks through it, relative to the repository root.</param>
/// <param name="Needs">Experiments whose results it reads (run first, cached).</param>
/// <param name="RunAndReport">Computes (or reads) its result and writes its files and report section.</param>
public sealed record ExperimentInfo(Experiment Id, string Verb, string Stem, string Title, string Summary,
    string Notebook,
    IReadOnlyList<Experiment> Needs, Func<Suite, ReportSection> RunAndReport)
{
    /// <summary>
    /// True for an experiment computed from the others' files every time (nothing of its own is cached): it is
    /// redrawn whenever everything it needs is stored.
    /// </summary>
    public bool Derived { get; init; }
}

/// <summary>The registry of every experiment, in report order.</summary>
public static class ExperimentRegistry
{
    /// <summary>Every experiment, in report order.</summary>
    public static IReadOnlyList<ExperimentInfo> All { get; } =
    [
        new(Experiment.SingleTask, "single-task", "fig2_single_task",
            "Figure 2 — single-task accuracy, non-linear vs post-hoc linearized",
            "Figure 2: single-task accuracy, non-linear vs post-hoc linearized.",
            "notebooks/03-figure2-post-hoc-linearization.ipynb", [],
            s => SingleTask.Report(s, SingleTask.Run(s))),
        new(Experiment.Addition, "addition", "table1_task_addition", "Table 1 — task addition",
            "Table 1: task addition (zero-shot, non-linear, post-hoc, linear).",
            "notebooks/01-table1-task-addition.ipynb", [Experiment.SingleTask],
            s => TaskAddition.Report(s, TaskAddition.Run(s))),
        new(Experiment.Negation, "negation", "table2_task_negation", "Table 2 — task negation",
            "Table 2: task negation against the held-out control task.",
            "notebooks/02-table2-task-negation.ipynb", [],
            s => TaskNegation.Report(s, TaskNegation.Run(s))),
        new(Experiment.Disentanglement, "disentanglement", "fig3_4_disentanglement",
            "Figures 3 and 4 — weight disentanglement error ξ(α1, α2)",
            "Figures 3/4: weight-disentanglement error maps ξ(α1, α2).",
            "notebooks/04-figures3-4-disentanglement.ipynb", [],
            s => Disentanglement.Report(s, Disentanglement.Run(s))),
        new(Experiment.Ntk, "ntk", "fig5_ntk_localization", "Figure 5 — NTK eigenfunction localization",
            "Figure 5: NTK eigenfunction localization, pre-trained vs random θ0.",
            "notebooks/05-figure5-ntk-localization.ipynb", [],
            s => NtkLocalization.Report(s, NtkLocalization.Run(s))),
        new(Experiment.RandomInit, "random-init", "random_init", "Random initialization vs pre-trained",
            "Random initialization vs pre-trained task addition.",
            "notebooks/06-random-init-vs-pretrained.ipynb", [Experiment.Addition],
            s => RandomInit.Report(s, RandomInit.Run(s))),
        new(Experiment.Advantage, "advantage", "nonlinear_advantage", "Non-linear advantage",
            "Non-linear advantage per task.",
            "notebooks/07-nonlinear-advantage.ipynb", [Experiment.SingleTask],
            s => NonlinearAdvantage.Report(s, NonlinearAdvantage.Run(s))),
        new(Experiment.Cost, "cost", "cost_of_linearization", "Cost of linearization",
            "Cost of linearization: time and peak memory per step.",
            "notebooks/08-cost-of-linearization.ipynb", [],
            s => LinearizationCost.Report(s, LinearizationCost.Run(s))),
        new(Experiment.Similarity, "similarity", "task_vector_similarity",
            "Beyond the paper — task-vector cosine similarity",
            "Task-vector cosine similarity matrix.",
            "notebooks/09-what-if.ipynb", [],
            s => TaskVectorSimilarity.Report(s, TaskVectorSimilarity.Run(s))),
        new(Experiment.PerTaskAlpha, "per-task-alpha", "per_task_alpha",
            "Beyond the paper — per-task α what-if (exact)",
            "Per-task α what-if (exact, via the affine shortcut).",
            "notebooks/09-what-if.ipynb", [Experiment.SingleTask, Experiment.Addition],
            s => PerTaskAlpha.Report(s, PerTaskAlpha.Run(s))),
        new(Experiment.Verdicts, "verdicts", "summary", "Verdicts — the paper's claims, tested",
            "Every claim's verdict with its numbers and 95 % intervals (also summary.json).",
            "notebooks/10-verdicts.ipynb",
            [Experiment.SingleTask, Experiment.Addition, Experiment.Negation, Experiment.Disentanglement,
             Experiment.Ntk, Experiment.RandomInit],
            s => ClaimReport.Report(s, ClaimReport.Run(s))) { Derived = true },
    ];

    /// <summary>The record of <paramref name="experiment"/>.</summary>
    public static ExperimentInfo Of(Experiment experiment) => All.Single(e => e.Id == experiment);

    /// <summary>The experiment whose verb is <paramref name="verb"/>; the error lists the verbs.</summary>
    public static ExperimentInfo ByVerb(string verb) => All.SingleOrDefault(e => e.Verb == verb)
        ?? throw new ArgumentException(
            $"unknown experiment '{verb}'; known: {string.Join(", ", All.Select(e => e.Verb))}.", nameof(verb));

    /// <summary>The result file stem of <paramref name="experiment"/>.</summary>
    public static string Stem(Experiment experiment) => Of(experiment).Stem;
}
