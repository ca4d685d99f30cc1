namespace TangentKit.Evaluation;

/// <summary>One candidate scaling coefficient and what was measured at it.</summary>
/// <param name="Alpha">The coefficient α.</param>
/// <param name="Score">
/// The quantity optimized (average normalized accuracy for addition, target accuracy for negation).
/// </param>
/// <param name="Control">Control-task accuracy (negation only; NaN otherwise).</param>
public sealed record AlphaPoint(double Alpha, double Score, double Control = double.NaN);

/// <summary>The chosen α and the whole curve it was chosen from.</summary>
/// <param name="Alpha">The selected coefficient.</param>
/// <param name="Curve">Every evaluated point, in grid order.</param>
public sealed record AlphaChoice(double Alpha, IReadOnlyList<AlphaPoint> Curve);

/// <summary>
/// The paper's selection of the scaling coefficient α on validation data (§1.8–1.9 of the protocol): a grid
/// {0, 0.05, …, 1}; addition maximizes average normalized accuracy (Table 1), negation minimizes target accuracy
/// while the control task keeps ≥ 95 % of its pre-trained accuracy (Table 2). Ties keep the smaller α.
/// Shown in notebooks/01-table1-task-addition, 02-table2-task-negation and exercises/ex2-alpha-search.
/// </summary>
public static class AlphaSearch
{
    /// <summary>
    /// {0, 0.05, …, 1}: 21 values, computed as i/20 so that they are exact to the last digit the paper prints.
    /// </summary>
    public static IReadOnlyList<double> PaperGrid { get; } = Grid(0, 1, 21);

    /// <summary>
    /// <paramref name="count"/> evenly spaced values from <paramref name="from"/> to <paramref name="to"/> inclusive.
    /// </summary>
    public static IReadOnlyList<double> Grid(double from, double to, int count)
    {
        if (count < 2) throw new ArgumentOutOfRangeException(nameof(count), count, "a grid needs at least two points.");
        return Enumerable.Range(0, count).Select(i => from + (to - from) * i / (count - 1)).ToArray();
    }

    /// <summary>
    /// Task addition: the α of <paramref name="grid"/> maximizing <paramref name="averageNormalizedAccuracy"/>; ties
    /// keep the smaller α.
    /// </summary>
    public static AlphaChoice ForAddition(IReadOnlyList<double> grid, Func<double, double> averageNormalizedAccuracy)
    {
        var curve = grid.Select(a => new AlphaPoint(a, averageNormalizedAccuracy(a))).ToList();
        var best = curve[0];
        foreach (var p in curve.Skip(1)) if (p.Score > best.Score) best = p;
        return new AlphaChoice(best.Alpha, curve);
    }

    /// <summary>
    /// Task negation: the α minimizing target accuracy among those whose control accuracy is at least
    /// <paramref name="controlFloor"/> (0.95 × the pre-trained control accuracy); ties keep the smaller α. α = 0 (no
    /// edit) is the fallback when no α qualifies, so the pre-trained model is never made worse on control than allowed.
    /// </summary>
    public static AlphaChoice ForNegation(IReadOnlyList<double> grid,
        Func<double, (double Target, double Control)> evaluate, double controlFloor)
    {
        var curve = grid.Select(a => { var (t, c) = evaluate(a); return new AlphaPoint(a, t, c); }).ToList();
        AlphaPoint? best = null;
        foreach (var p in curve.Where(p => p.Control >= controlFloor))
            if (best is null || p.Score < best.Score) best = p;
        return new AlphaChoice(best?.Alpha ?? 0, curve);
    }

    /// <summary>
    /// Normalized accuracy: accuracy of the edited model divided by the single-task fine-tuned accuracy of the same
    /// mode.
    /// </summary>
    public static double Normalized(double editedAccuracy,
        double singleTaskAccuracy) => editedAccuracy / singleTaskAccuracy;
}
