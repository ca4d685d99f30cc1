using TangentKit.Autodiff;

namespace TangentKit.Tests;

/// Compares the kit's tangent propagation with the two independent oracles.
static class JvpAssert
{
    public static Dictionary<string, Tensor> RandomLike(IEnumerable<KeyValuePair<string, Tensor>> at, long seed,
        Func<string, bool>? include = null)
    {
        var g = new Generator((ulong)seed);
        return at.Where(kv => kv.Value.is_floating_point() && (include?.Invoke(kv.Key) ?? true))
                 .ToDictionary(kv => kv.Key, kv => randn(kv.Value.shape, dtype: kv.Value.dtype, generator: g));
    }

    public static double RelativeError(Tensor actual, Tensor expected) =>
        (actual - expected).abs().max().item<double>() / Math.Max(expected.abs().max().item<double>(), 1e-300);

    /// J·v by tangent propagation must match central differences (≤ fdTol) and double backward (≤ dbTol).
    public static void MatchesOracles(Func<ParameterLookup, Dual> f, IReadOnlyDictionary<string, Tensor> at,
        IReadOnlyDictionary<string, Tensor> direction, double fdTol = 1e-7, double dbTol = 1e-10)
    {
        foreach (var t in at.Values.Concat(direction.Values).Where(t => t.is_floating_point()))
            Assert.Equal(ScalarType.Float64, t.dtype);
        var jv = JvpOracles.TangentPropagation(f, at, direction);
        var fd = JvpOracles.CentralDifference(f, at, direction);
        var db = JvpOracles.DoubleBackward(f, at, direction);
        Assert.True(jv.abs().max().item<double>() > 1e-6, "J·v is (nearly) zero: the check would be vacuous");
        var primal = f(n => at[n]).Primal;
        Assert.Equal(primal.shape, jv.shape);
        double eFd = RelativeError(jv, fd), eDb = RelativeError(jv, db);
        Assert.True(eFd <= fdTol, $"tangent propagation vs central differences: relative error {eFd:E2} > {fdTol:E0}");
        Assert.True(eDb <= dbTol, $"tangent propagation vs double backward: relative error {eDb:E2} > {dbTol:E0}");
    }
}
