using TangentKit.Evaluation;

namespace TangentKit.Experiments;

/// <summary>A number with its 95 % interval, as summary.json writes it.</summary>
public sealed record Estimate(double Value, double Low, double High)
{
    /// <summary>The estimate of a measurement.</summary>
    public static Estimate Of(Measured m) => new(m.Value, m.Low, m.High);

    /// <inheritdoc />
    public override string ToString() => $"{Value:F3} [{Low:F3}, {High:F3}]";
}

/// <summary>One of the paper's claims, as tested here: what it says, the verdict and the numbers behind it.</summary>
/// <param name="Id">Stable identifier (e.g. <c>table1_linear_best</c>).</param>
/// <param name="Statement">The claim as the paper states it, in the terms tested.</param>
/// <param name="Verdict">Holds, does not hold, inconclusive or not discriminating.</param>
/// <param name="Numbers">The measured quantities and paired differences the verdict comes from.</param>
public sealed record Claim(string Id, string Statement, Verdict Verdict, IReadOnlyDictionary<string, Estimate> Numbers);

/// <summary>
/// The paper's claims tested on measured numbers. Each claim is one or more paired differences that the paper says
/// are positive; <see cref="Verdicts.AllPositive"/> turns their 95 % bootstrap intervals into the verdict, and every
/// verdict reads "not discriminating" when the set-up misses its gate (<see cref="SingleTaskResult.Discriminating"/>).
/// </summary>
public static class Claims
{
    /// <summary>Table 1: linear FT has the highest normalized and the highest absolute addition accuracy.</summary>
    public static Claim LinearBestAtAddition(AdditionResult addition, SingleTaskResult gate)
    {
        var (lin, std, post) = (addition.Of(EditMode.Linear), addition.Of(EditMode.Standard),
            addition.Of(EditMode.PostHoc));
        var parts = new Dictionary<string, Measured>
        {
            ["normalized_linear_minus_standard"] = lin.Normalized! - std.Normalized!,
            ["normalized_linear_minus_posthoc"] = lin.Normalized! - post.Normalized!,
            ["absolute_linear_minus_standard"] = lin.Absolute - std.Absolute,
            ["absolute_linear_minus_posthoc"] = lin.Absolute - post.Absolute,
        };
        var numbers = new Dictionary<string, Measured>
        {
            ["normalized_linear"] = lin.Normalized!, ["normalized_standard"] = std.Normalized!,
            ["normalized_posthoc"] = post.Normalized!, ["absolute_linear"] = lin.Absolute,
            ["absolute_standard"] = std.Absolute, ["absolute_posthoc"] = post.Absolute,
            ["absolute_zero_shot"] = addition.ZeroShot.Absolute,
        };
        return Make("table1_linear_best",
            "Table 1: linearized fine-tuning gives the highest normalized and absolute task-addition accuracy.",
            parts, numbers, gate);
    }

    /// <summary>Table 1: post-hoc linearization beats non-linear FT in normalized addition accuracy.</summary>
    public static Claim PostHocBeatsNonLinearAtAddition(AdditionResult addition, SingleTaskResult gate)
    {
        var (std, post) = (addition.Of(EditMode.Standard), addition.Of(EditMode.PostHoc));
        return Make("table1_posthoc_beats_nonlinear",
            "Table 1: post-hoc linearization gives higher normalized task-addition accuracy than non-linear FT.",
            new() { ["normalized_posthoc_minus_standard"] = post.Normalized! - std.Normalized! },
            new() { ["normalized_posthoc"] = post.Normalized!, ["normalized_standard"] = std.Normalized! }, gate);
    }

    /// <summary>Table 2: linear FT lowers the target accuracy most while the control keeps ≥ 95 %.</summary>
    public static Claim LinearForgetsMost(NegationResult negation, SingleTaskResult gate)
    {
        var (lin, std, post) = (negation.Of(EditMode.Linear), negation.Of(EditMode.Standard),
            negation.Of(EditMode.PostHoc));
        return Make("table2_linear_forgets_most",
            $"Table 2: with the control task kept at ≥ {100 * negation.ControlFloorFraction:F0} % of its pre-trained " +
            "accuracy, negating linearized task vectors lowers the target accuracy most.",
            new()
            {
                ["target_standard_minus_linear"] = std.Target - lin.Target,
                ["target_posthoc_minus_linear"] = post.Target - lin.Target,
            },
            new()
            {
                ["target_linear"] = lin.Target, ["target_standard"] = std.Target, ["target_posthoc"] = post.Target,
                ["target_pretrained"] = negation.Pretrained.Target, ["control_linear"] = lin.Control,
                ["control_standard"] = std.Control, ["control_posthoc"] = post.Control,
                ["control_pretrained"] = negation.Pretrained.Control,
            }, gate);
    }

    /// <summary>Figure 2: post-hoc linearization is below non-linear FT on every task.</summary>
    public static Claim PostHocBelowNonLinear(SingleTaskResult single)
    {
        var parts = single.Rows.ToDictionary(r => $"{r.Task}_standard_minus_posthoc",
            r => r.Standard - r.Test(EditMode.PostHoc));
        var numbers = new Dictionary<string, Measured>(parts)
        {
            ["mean_standard_minus_posthoc"] = Measured.Mean(parts.Values),
        };
        return Make("fig2_posthoc_below_nonlinear",
            "Figure 2: the post-hoc linearization of a fine-tuned model is less accurate than the model itself on " +
            "every task.", parts, numbers, single);
    }

    /// <summary>Figures 3/4: post-hoc and linear models have a larger disentangled area than non-linear FT.</summary>
    public static Claim LinearizedMoreDisentangled(DisentanglementResult maps, SingleTaskResult gate)
    {
        var (std, post, lin) = (maps.DistinctArea(EditMode.Standard), maps.DistinctArea(EditMode.PostHoc),
            maps.DistinctArea(EditMode.Linear));
        return Make("fig34_linearized_more_disentangled",
            $"Figures 3/4: the disentangled area (ξ ≤ {maps.Threshold}) is larger for post-hoc linearized and " +
            "linearized fine-tuned models than for non-linear fine-tuning (mean over the distinct-domain pairs).",
            new() { ["area_posthoc_minus_standard"] = post - std, ["area_linear_minus_standard"] = lin - std },
            new()
            {
                ["area_standard"] = std, ["area_posthoc"] = post, ["area_linear"] = lin,
                ["area_of_one_grid_point"] = Measured.Exact(maps.OnePoint, std.Replicates.Length),
                // Not part of the verdict (the claim is stated on the area): mean ξ, lower = more disentangled.
                ["mean_xi_standard_minus_posthoc"] = maps.DistinctMeanXi(EditMode.Standard)
                    - maps.DistinctMeanXi(EditMode.PostHoc),
                ["mean_xi_standard_minus_linear"] = maps.DistinctMeanXi(EditMode.Standard)
                    - maps.DistinctMeanXi(EditMode.Linear),
            }, gate);
    }

    /// <summary>Figures 3/4: the overlapping pair (one input domain) is the least disentangled in every mode.</summary>
    public static Claim OverlappingPairLeastDisentangled(DisentanglementResult maps, SingleTaskResult gate)
    {
        var parts = new Dictionary<string, Measured>();
        var numbers = new Dictionary<string, Measured>();
        foreach (var mode in EditModes.All)
        {
            var modeMaps = maps.Of(mode);
            var overlap = modeMaps.FirstOrDefault(m => m.Overlapping);
            if (overlap is null) continue;
            numbers[$"{Key(mode)}_area_{overlap.TaskA}_{overlap.TaskB}"] = overlap.Area;
            foreach (var other in modeMaps.Where(m => !m.Overlapping))
                parts[$"{Key(mode)}_area_{other.TaskA}_{other.TaskB}_minus_overlapping"] = other.Area - overlap.Area;
        }
        foreach (var (k, v) in parts) numbers[k] = v;
        return Make("fig34_overlapping_pair_least_disentangled",
            "Figures 3/4 (negative control): two tasks on one input domain are the least disentangled pair, in every " +
            "mode (weight disentanglement is about task supports).", parts, numbers, gate);
    }

    /// <summary>Figure 5: NTK eigenfunctions are localized above chance and more pre-trained than random.</summary>
    public static Claim Localized(NtkResult ntk, SingleTaskResult gate)
    {
        var (pre, random) = (ntk.MeanLocalization(Initialization.Pretrained),
            ntk.MeanLocalization(Initialization.Random));
        var chance = Measured.Exact(ntk.ChanceLocalization, pre.Replicates.Length);
        return Make("fig5_localization",
            "Figure 5: the pre-trained NTK's top eigenfunctions are localized on single tasks, above chance and more " +
            "than at a random initialization.",
            new() { ["localization_pretrained_minus_chance"] = pre - chance,
                    ["localization_pretrained_minus_random"] = pre - random },
            new() { ["localization_pretrained"] = pre, ["localization_random"] = random, ["chance"] = chance }, gate);
    }

    /// <summary>
    /// Random init: normalized task addition is lower from a random θ0, in every mode evaluated from it (non-linear
    /// and linear fine-tuning).
    /// </summary>
    public static Claim RandomInitAddsWorse(RandomInitResult result, SingleTaskResult gate)
    {
        var parts = result.Modes.ToDictionary(m => $"normalized_{Key(m)}_pretrained_minus_random",
            m => result.Row(Initialization.Pretrained, m).Normalized!
                - result.Row(Initialization.Random, m).Normalized!);
        var numbers = new Dictionary<string, Measured>(parts);
        foreach (var m in result.Modes)
            numbers[$"normalized_{Key(m)}_random"] = result.Row(Initialization.Random, m).Normalized!;
        return Make("random_init_adds_worse",
            "Random initialization: task addition from a randomly initialized network gives lower normalized " +
            "accuracy than from the pre-trained one, for non-linear and linear fine-tuning (weight disentanglement " +
            "emerges in pre-training).", parts, numbers, gate);
    }

    /// <summary>Random init: the disentangled area is smaller from a random θ0, in every mode evaluated from it.</summary>
    public static Claim RandomInitLessDisentangled(RandomInitResult result, DisentanglementResult pretrained,
        SingleTaskResult gate)
    {
        var parts = result.Modes.ToDictionary(m => $"area_{Key(m)}_pretrained_minus_random",
            m => pretrained.DistinctArea(m) - result.RandomDisentanglement.DistinctArea(m));
        return Make("random_init_less_disentangled",
            "Random initialization: the disentangled area of the distinct-domain pairs is smaller from a random θ0.",
            parts, new Dictionary<string, Measured>(parts), gate);
    }

    /// <summary>One row per number of each claim: claim id, verdict, number, value and its 95 % interval.</summary>
    public static Deedle.Frame<int, string> Table(params Claim[] claims) =>
        Reporting.Tables.FromRecords(claims.SelectMany(c => c.Numbers.Select(kv => new
        {
            Claim = c.Id, Verdict = c.Verdict.Text(), Number = kv.Key, kv.Value.Value, kv.Value.Low, kv.Value.High,
        })));

    static string Key(EditMode mode) => mode switch
    {
        EditMode.Standard => "standard",
        EditMode.PostHoc => "posthoc",
        _ => "linear",
    };

    static Claim Make(string id, string statement, Dictionary<string, Measured> parts,
        Dictionary<string, Measured> numbers, SingleTaskResult gate)
    {
        var verdict = parts.Count == 0 ? Verdict.Inconclusive
            : Verdicts.AllPositive(parts.Values, gate.Discriminating);
        if (!gate.Discriminating) verdict = Verdict.NotDiscriminating;
        var all = numbers.ToDictionary(kv => kv.Key, kv => Estimate.Of(kv.Value));
        foreach (var (k, v) in parts) all[k] = Estimate.Of(v);
        return new Claim(id, statement, verdict, all);
    }
}
