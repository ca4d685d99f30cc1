using TangentKit.Evaluation;
using TangentKit.Reporting;

namespace TangentKit.Experiments;

/// <summary>
/// Table 1's protocol from a random θ0 next to the pre-trained rows, with the random θ0's own single-task accuracies
/// and ξ maps.
/// </summary>
public sealed record RandomInitResult(IReadOnlyList<AdditionRow> Pretrained, IReadOnlyList<AdditionRow> Random,
    SingleTaskResult RandomSingleTask, DisentanglementResult RandomDisentanglement)
{
    /// <summary>The edit modes evaluated from the random θ0 (non-linear and linear fine-tuning).</summary>
    public IReadOnlyList<EditMode> Modes => Random.Where(r => r.Mode is not null).Select(r => r.Mode!.Value).ToList();

    /// <summary>The addition row of <paramref name="mode"/> from <paramref name="init"/>.</summary>
    public AdditionRow Row(Initialization init, EditMode mode) =>
        (init == Initialization.Pretrained ? Pretrained : Random).Single(r => r.Mode == mode);
}

/// <summary>
/// Random initialization vs pre-trained: the paper argues weight disentanglement emerges in pre-training, so task
/// addition from a random θ0 (batch-norm statistics recomputed on the tasks' images, prototype heads by the same
/// recipe, the same fine-tuning) should be worse. Shown in notebooks/06-random-init-vs-pretrained.
/// </summary>
public static class RandomInit
{
    // Post-hoc linearization is left out from random init: the claim is about fine-tuned task vectors, and its
    // affine caches would cost a fifth of the budget.
    static readonly EditMode[] FineTunedModes = [EditMode.Standard, EditMode.Linear];

    /// <summary>Computes (or reads) the random-init arm; the pre-trained rows come from Table 1.</summary>
    public static RandomInitResult Run(Suite suite)
    {
        var pretrained = TaskAddition.Run(suite);
        return suite.Results.GetOrCompute(ExperimentRegistry.Stem(Experiment.RandomInit), () =>
        {
            var single = SingleTask.Measure(suite, Initialization.Random, postHoc: false);
            var addition = TaskAddition.Measure(suite, Initialization.Random, single, FineTunedModes);
            return new RandomInitResult(pretrained.Rows, addition.Rows, single,
                Disentanglement.Measure(suite, Initialization.Random, overlapping: false, FineTunedModes));
        });
    }

    /// <summary>Both initializations' Table 1 rows (%), with 95 % intervals.</summary>
    public static Deedle.Frame<int, string> Table(RandomInitResult result) =>
        Tables.FromRecords(result.Pretrained.Concat(result.Random).Select(r => new
        {
            r.Initialization, r.Method, r.Alpha, AbsolutePercent = r.Absolute.Format(),
            NormalizedPercent = r.Normalized?.Format() ?? "", NormalizedAtAlpha0 = r.NormalizedAtZero?.Format() ?? "",
        }));

    /// <summary>Normalized accuracy per mode and initialization.</summary>
    public static Plotly.NET.GenericChart Chart(RandomInitResult result) => Figures.Bars(
        "Task addition from pre-trained vs random θ0 (normalized test accuracy)",
        result.Modes.Select(m => m.Label()).ToList(),
        [("pre-trained", result.Modes.Select(m => result.Row(Initialization.Pretrained, m).NormalizedTest).ToList()),
         ("random init", result.Modes.Select(m => result.Row(Initialization.Random, m).NormalizedTest).ToList())],
        "normalized accuracy");

    /// <summary>Writes the table, the chart, the random θ0's ξ maps and the report section.</summary>
    public static ReportSection Report(Suite suite, RandomInitResult result)
    {
        var single = SingleTask.Run(suite);
        var addition = Claims.RandomInitAddsWorse(result, single);
        var disentangled = Claims.RandomInitLessDisentangled(result, Disentanglement.Run(suite), single);
        string Drop(EditMode m) => (result.Row(Initialization.Pretrained, m).Normalized!
            - result.Row(Initialization.Random, m).Normalized!).Format();
        var drops = result.Modes.Select(m => $"{m.Label()} {Drop(m)}").ToList();
        var stem = ExperimentRegistry.Stem(Experiment.RandomInit);
        return suite.Publish(Experiment.RandomInit, Table(result),
            "The same protocol from a seeded random initialization of the same network: batch-norm statistics " +
            "recomputed on the tasks' training images (a normalized network), prototype heads from the same support " +
            "images, fine-tuning in both modes with the same budget, one α chosen on validation, and its own ξ " +
            "maps of the distinct-domain pairs (post-hoc linearization is not evaluated from random init). " +
            SingleTask.GateSentence(result.RandomSingleTask).Replace("Fine-tuning", "From random init, fine-tuning"),
            $"Normalized task-addition accuracy, pre-trained minus random init (points): {string.Join(", ", drops)}. " +
            $"Absolute accuracy of the edited models, linear FT: " +
            $"{result.Row(Initialization.Pretrained, EditMode.Linear).Absolute.Format()} % pre-trained vs " +
            $"{result.Row(Initialization.Random, EditMode.Linear).Absolute.Format()} % random. Normalized addition " +
            "is " +
            $"lower from random init: {addition.Verdict.Text()}; the disentangled area is smaller from random init: " +
            $"{disentangled.Verdict.Text()}.",
            [new FigureSpec(stem, Chart(result), 760, 440),
             .. Disentanglement.FigureSpecs(result.RandomDisentanglement, stem + "_xi")]);
    }
}
