namespace TangentKit.Evaluation;

/// <summary>What the measurements say about one of the paper's claims.</summary>
public enum Verdict
{
    /// <summary>The claim's difference is positive with 95 % confidence (for every part of the claim).</summary>
    Holds,
    /// <summary>The opposite is supported with 95 % confidence (for at least one part).</summary>
    DoesNotHold,
    /// <summary>The 95 % interval of some part contains 0 (and no part contradicts the claim).</summary>
    Inconclusive,
    /// <summary>The set-up failed its gate (fine-tuning gains too little over zero-shot): no claim is tested.</summary>
    NotDiscriminating,
}

/// <summary>
/// Verdicts from paired bootstrap intervals. A claim is stated as one or more differences that should be positive
/// ("A beats B" is A − B &gt; 0); it holds when every difference's 95 % interval lies above 0, does not hold when
/// some interval lies below 0, and is inconclusive otherwise (an interval containing 0 means the two intervals
/// overlap in the paired sense).
/// </summary>
public static class Verdicts
{
    /// <summary>The verdict on "<paramref name="difference"/> &gt; 0".</summary>
    public static Verdict Positive(Measured difference) =>
        difference.Low > 0 ? Verdict.Holds : difference.High < 0 ? Verdict.DoesNotHold : Verdict.Inconclusive;

    /// <summary>
    /// The verdict on "every one of <paramref name="differences"/> is &gt; 0"; <paramref name="discriminating"/>
    /// false gives <see cref="Verdict.NotDiscriminating"/> whatever the numbers.
    /// </summary>
    public static Verdict AllPositive(IEnumerable<Measured> differences, bool discriminating = true)
    {
        if (!discriminating) return Verdict.NotDiscriminating;
        var parts = differences.Select(Positive).ToList();
        if (parts.Count == 0)
            throw new ArgumentException("a claim needs at least one difference.", nameof(differences));
        if (parts.Contains(Verdict.DoesNotHold)) return Verdict.DoesNotHold;
        return parts.All(p => p == Verdict.Holds) ? Verdict.Holds : Verdict.Inconclusive;
    }

    /// <summary>The verdict as the report and summary.json write it: "holds", "does not hold", ….</summary>
    public static string Text(this Verdict verdict) => verdict switch
    {
        Verdict.Holds => "holds",
        Verdict.DoesNotHold => "does not hold",
        Verdict.Inconclusive => "inconclusive",
        _ => "not discriminating",
    };
}
