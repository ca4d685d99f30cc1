using System.Text.Json;
using System.Text.Json.Serialization;
using TangentKit.Evaluation;
using TangentKit.IO;
using TangentKit.Reporting;

namespace TangentKit.Experiments;

/// <summary>An edited task as summary.json lists it (<c>colour</c>: true for color images).</summary>
public sealed record SummaryTask(string Name, [property: JsonPropertyName("colour")] bool IsColor);

/// <summary>The negation control task: name, classes and θ0's test accuracy with its fixed head.</summary>
public sealed record SummaryControl(string Name, int Classes, double Theta0Accuracy);

/// <summary>
/// A claim as summary.json writes it (the verdict as text); with several fine-tuning seeds, every seed's verdict
/// (seed 0 first) and each number's [min, max] over the seeds.
/// </summary>
public sealed record SummaryClaim(string Id, string Statement, string Verdict,
    IReadOnlyDictionary<string, Estimate> Numbers, IReadOnlyList<string>? SeedVerdicts = null,
    IReadOnlyDictionary<string, double[]>? SeedRanges = null);

/// <summary>
/// The machine-readable verdict of a reproduction (<c>results/&lt;preset&gt;/summary.json</c>): tasks, control,
/// average zero-shot and single-task fine-tuned test accuracy (per mode), whether the set-up passes its gate, and
/// every claim with its verdict and numbers.
/// </summary>
public sealed record Summary(string Preset, IReadOnlyList<SummaryTask> Tasks, SummaryControl Control,
    double ZeroShotAccuracy, double[] ZeroShotAccuracyInterval, IReadOnlyDictionary<string, double> FineTunedAccuracy,
    IReadOnlyDictionary<string, double[]> FineTunedAccuracyInterval, double GateGain, bool Discriminating,
    IReadOnlyList<SummaryClaim> Claims, int Seeds = 1)
{
    /// <summary>summary.json's options: snake_case names, indented.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The file name inside the results folder.</summary>
    public const string FileName = "summary.json";

    /// <summary>Reads a summary.json written by <see cref="ClaimReport.Run"/>.</summary>
    public static Summary Read(string path) =>
        JsonSerializer.Deserialize<Summary>(File.ReadAllText(path), Json)
        ?? throw new InvalidDataException($"{path}: empty summary.");
}

/// <summary>
/// Every claim of the paper tested on the stored results, written as the report's verdict table and as summary.json.
/// Derived: recomputed from the other experiments' files each time (nothing of its own is cached).
/// </summary>
public static class ClaimReport
{
    /// <summary>The claims in paper order, from the stored (or computed) results.</summary>
    public static IReadOnlyList<Claim> ClaimsOf(Suite suite)
    {
        var single = SingleTask.Run(suite);
        var addition = TaskAddition.Run(suite);
        var maps = Disentanglement.Run(suite);
        var random = RandomInit.Run(suite);
        return
        [
            Claims.LinearBestAtAddition(addition, single),
            Claims.PostHocBeatsNonLinearAtAddition(addition, single),
            Claims.LinearForgetsMost(TaskNegation.Run(suite), single),
            Claims.PostHocBelowNonLinear(single),
            Claims.LinearizedMoreDisentangled(maps, single),
            Claims.OverlappingPairLeastDisentangled(maps, single),
            Claims.Localized(NtkLocalization.Run(suite), single),
            Claims.RandomInitAddsWorse(random, single),
            Claims.RandomInitLessDisentangled(random, maps, single),
        ];
    }

    /// <summary>Computes the summary and writes summary.json atomically.</summary>
    public static Summary Run(Suite suite)
    {
        var single = SingleTask.Run(suite);
        var negation = TaskNegation.Run(suite);
        double[] Interval(Measured m) => [m.Low, m.High];
        var modes = new Dictionary<string, Measured>
        {
            ["standard"] = single.Average(EditMode.Standard), ["linear"] = single.Average(EditMode.Linear),
            ["posthoc"] = single.Average(EditMode.PostHoc),
        };
        var summary = new Summary(suite.Preset.Name,
            single.Rows.Select(r => new SummaryTask(r.Task, r.IsColor)).ToList(),
            new SummaryControl(negation.ControlTask, negation.ControlClasses, negation.Pretrained.Control.Value),
            single.ZeroShot.Value, Interval(single.ZeroShot), modes.ToDictionary(kv => kv.Key, kv => kv.Value.Value),
            modes.ToDictionary(kv => kv.Key, kv => Interval(kv.Value)), SingleTask.GateGain, single.Discriminating,
            ClaimsOf(suite).Select(c => new SummaryClaim(c.Id, c.Statement, c.Verdict.Text(), c.Numbers)).ToList());
        if (suite.Replicas.Count > 0) summary = WithSeeds(summary, suite.Replicas);
        AtomicFile.WriteAllText(suite.Results.PathOf(Summary.FileName),
            JsonSerializer.Serialize(summary, Summary.Json));
        return summary;
    }

    // Adds the verdicts and number ranges of the replicas' summaries (other fine-tuning seeds, same claims).
    static Summary WithSeeds(Summary main, IReadOnlyList<string> replicaFolders)
    {
        var replicas = replicaFolders.Select(f => Summary.Read(Path.Combine(f, Summary.FileName))).ToList();
        var claims = main.Claims.Select(c =>
        {
            var others = replicas.Select(r => r.Claims.SingleOrDefault(x => x.Id == c.Id)
                ?? throw new InvalidDataException($"the summary of another seed lacks claim '{c.Id}'.")).ToList();
            var ranges = c.Numbers.ToDictionary(kv => kv.Key, kv =>
            {
                var values = others.Select(o => o.Numbers.TryGetValue(kv.Key, out var e) ? e.Value : double.NaN)
                    .Prepend(kv.Value.Value).ToList();
                return new[] { values.Min(), values.Max() };
            });
            return c with { SeedVerdicts = others.Select(o => o.Verdict).Prepend(c.Verdict).ToList(),
                SeedRanges = ranges };
        }).ToList();
        return main with { Claims = claims, Seeds = replicas.Count + 1 };
    }

    /// <summary>One row per claim: statement, verdict and the differences it rests on.</summary>
    public static Deedle.Frame<int, string> Table(Summary summary) =>
        Tables.FromRecords(summary.Claims.Select(c => new
        {
            Claim = c.Statement, c.Verdict,
            Seeds = c.SeedVerdicts is null ? "" : string.Join(" / ", c.SeedVerdicts),
            Numbers = string.Join("; ", c.Numbers.Where(kv => kv.Key.Contains("minus"))
                .Select(kv => $"{kv.Key} {kv.Value}" + (c.SeedRanges?.TryGetValue(kv.Key, out var r) == true
                    ? $" (seeds {r[0]:F3}…{r[1]:F3})" : ""))),
        }));

    /// <summary>Writes the verdict table and its report section.</summary>
    public static ReportSection Report(Suite suite, Summary summary)
    {
        var counts = summary.Claims.GroupBy(c => c.Verdict).OrderBy(g => g.Key)
            .Select(g => $"{g.Count()} {g.Key}");
        var single = SingleTask.Run(suite);
        return suite.Publish(Experiment.Verdicts, Table(summary),
            "Each claim of the paper is tested as one or more paired differences the paper says are positive " +
            "(e.g. linear FT minus non-linear FT). A claim holds when every difference's 95 % bootstrap interval " +
            "lies " +
            "above 0, does not hold when one lies below 0, and is inconclusive otherwise; every verdict reads \"not " +
            $"discriminating\" when fine-tuning gains less than {100 * SingleTask.GateGain:F0} points over " +
            "zero-shot. " +
            $"Numbers are fractions (accuracy 0.5 = 50 %); the same verdicts are in {Summary.FileName}.",
            $"{SingleTask.GateSentence(single)} Of {summary.Claims.Count} claims: {string.Join(", ", counts)}." +
            (summary.Seeds > 1
                ? $" Over {summary.Seeds} fine-tuning seeds, the verdict is the same on every seed for " +
                  $"{summary.Claims.Count(c => c.SeedVerdicts!.Distinct().Count() == 1)} of {summary.Claims.Count} " +
                  "claims (column Seeds)."
                : ""));
    }
}
