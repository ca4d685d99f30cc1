using TangentKit.Autodiff;
using TangentKit.Kernels;
using TangentKit.Linearization;
using TangentKit.Models;
using Xunit.Abstractions;

namespace TangentKit.Tests.Kernels;

public class EmpiricalNtkTests(ITestOutputHelper output)
{
    static Tensor R(long seed, params long[] shape) =>
        randn(shape, dtype: ScalarType.Float64, generator: new Generator((ulong)seed));

    static Tensor M(double[,] values) => tensor(values, dtype: ScalarType.Float64);

    static double MaxAbs(Tensor a, Tensor b) => (a - b).abs().max().item<double>();

    [Fact]
    public void The_kernel_of_a_relu_mlp_equals_its_closed_form()
    {
        const int d = 5, h = 7, o = 3, count = 9;
        var model = new Mlp([d, h, o], Activation.Relu);
        using var theta0 = model.Initialize(1, ScalarType.Float64);
        var x = R(2, count, d);                                                    // [N, d]
        var r = R(3, o);                                                           // [o], deliberately not unit
        var calls = new List<(int Done, int Total)>();
        var k = EmpiricalNtk.Compute(model.Linearize(theta0), x, r, (done, total) => calls.Add((done, total)));

        // s(x) = r·(W2 relu(W1 x + b1) + b2): ∇W2 s = r hᵀ, ∇b2 s = r, ∇W1 s = g xᵀ, ∇b1 s = g,
        // g = (W2ᵀ r) ⊙ 1[z > 0], so K(x, x') = ‖r‖²(h·h' + 1) + (g·g')(x·x' + 1).
        var (w1, b1, w2) = (theta0["fc0.weight"], theta0["fc0.bias"], theta0["fc1.weight"]);
        var z = x.matmul(w1.T) + b1;                                               // [N, h]
        var hidden = z.clamp_min(0);                                               // [N, h]
        var mask = z.gt(0).to_type(ScalarType.Float64);                            // [N, h]
        var g = w2.T.matmul(r).unsqueeze(0) * mask;                                // [N, h]
        var expected = r.dot(r) * (hidden.matmul(hidden.T) + 1) + g.matmul(g.T) * (x.matmul(x.T) + 1);   // [N, N]

        Assert.Equal(new long[] { count, count }, k.shape);
        Assert.Equal(ScalarType.Float64, k.dtype);
        double err = MaxAbs(k, expected);
        output.WriteLine($"max |K − closed form| = {err:E2} (max |K| = {k.abs().max().item<double>():E2})");
        Assert.True(err <= 1e-10, $"max |K − closed form| = {err:E2}");
        double fraction = mask.mean().item<double>();                              // the ReLU gate must matter
        Assert.InRange(fraction, 0.1, 0.9);
        var ungated = r.dot(r) * (hidden.matmul(hidden.T) + 1)
            + w2.T.matmul(r).square().sum() * (x.matmul(x.T) + 1);
        Assert.True(MaxAbs(k, ungated) > 1e-2, "the closed form without the ReLU gate should not match");
        Assert.Equal(Enumerable.Range(0, count + 1).Select(i => (i, count)), calls);
    }

    [Fact]
    public void The_random_readout_is_a_unit_vector_as_wide_as_the_output()
    {
        var model = new Mlp([4, 6, 5], Activation.Relu);
        using var theta0 = model.Initialize(1, ScalarType.Float64);
        var r = EmpiricalNtk.RandomUnitReadout(model.Linearize(theta0), R(2, 3, 4), seed: 5);
        Assert.Equal(new long[] { 5 }, r.shape);
        Assert.Equal(ScalarType.Float64, r.dtype);
        Assert.Equal(1.0, r.norm().item<double>(), 12);
    }

    [Fact]
    public void A_block_diagonal_kernel_has_eigenvectors_on_one_block_each()
    {
        // K = blockdiag(A, B), A = [[2, 1], [1, 2]] (eigenvalues 3, 1), B = [[6, 2], [2, 6]] (8, 4).
        var k = M(new double[,] { { 2, 1, 0, 0 }, { 1, 2, 0, 0 }, { 0, 0, 6, 2 }, { 0, 0, 2, 6 } });
        var (values, vectors) = EmpiricalNtk.Eigen(k);
        Assert.True(MaxAbs(values, tensor(new[] { 8.0, 4, 3, 1 }, dtype: ScalarType.Float64)) < 1e-12);
        double s = 1 / Math.Sqrt(2);
        var expected = M(new double[,] { { 0, 0, s, s }, { 0, 0, s, s }, { s, s, 0, 0 }, { s, s, 0, 0 } });
        Assert.True(MaxAbs(vectors.abs(), expected) < 1e-12, "eigenvectors up to sign");
        Assert.True(MaxAbs(k.matmul(vectors), vectors * values.unsqueeze(0)) < 1e-12, "K u = λ u, pairwise");

        var energy = EmpiricalNtk.EnergyOnFirst(vectors, 2);
        Assert.True(MaxAbs(energy, tensor(new[] { 0.0, 0, 1, 1 }, dtype: ScalarType.Float64)) < 1e-12);
        Assert.Equal(1.0, EmpiricalNtk.Localization(energy, 4), 12);
        Assert.Equal(0.0, EmpiricalNtk.CrossAlignment(k, 2), 12);
        var normalized = M(new double[,]
            { { 1, 0.5, 0, 0 }, { 0.5, 1, 0, 0 }, { 0, 0, 1, 1 / 3.0 }, { 0, 0, 1 / 3.0, 1 } });
        Assert.True(MaxAbs(EmpiricalNtk.Normalized(k), normalized) < 1e-12);
    }

    [Fact]
    public void All_ones_plus_identity_couples_the_two_tasks()
    {
        // K = 1 1ᵀ + I on 2n samples: top eigenvector 1/√(2n) (eigenvalue 2n + 1), the rest eigenvalue 1;
        // ‖K_AB‖ = n, ‖K_AA‖ = ‖K_BB‖ = √(n² + 3n), so the alignment is √(n / (n + 3)).
        const int n = 3;
        var k = ones(2 * n, 2 * n, dtype: ScalarType.Float64) + eye(2 * n, dtype: ScalarType.Float64);
        var (values, vectors) = EmpiricalNtk.Eigen(k);
        var expectedValues = ones(2 * n, dtype: ScalarType.Float64);
        expectedValues[0] = 2 * n + 1;
        Assert.True(MaxAbs(values, expectedValues) < 1e-12);
        var energy = EmpiricalNtk.EnergyOnFirst(vectors, n);
        Assert.Equal(0.5, energy[0].item<double>(), 12);
        Assert.Equal(0.0, EmpiricalNtk.Localization(energy, 1), 12);
        Assert.Equal(Math.Sqrt(n / (n + 3.0)), EmpiricalNtk.CrossAlignment(k, n), 12);
        var normalized = 0.5 * (ones(2 * n, 2 * n, dtype: ScalarType.Float64) + eye(2 * n, dtype: ScalarType.Float64));
        Assert.True(MaxAbs(EmpiricalNtk.Normalized(k), normalized) < 1e-12);
    }

    [Fact]
    public void A_two_sample_kernel_is_localized_by_the_cosine_of_twice_its_rotation_angle()
    {
        // K = [[a, c], [c, b]]: eigenvectors (cos φ, sin φ) with tan 2φ = 2c / (a − b), so E_A = cos² φ and
        // |2 E_A − 1| = |cos 2φ| = |a − b| / √((a − b)² + 4c²) for both eigenvectors.
        var (a, b, c) = (3.0, 1.0, 1.0);
        var k = M(new double[,] { { a, c }, { c, b } });
        var (_, vectors) = EmpiricalNtk.Eigen(k);
        var energy = EmpiricalNtk.EnergyOnFirst(vectors, 1);
        double expected = Math.Abs(a - b) / Math.Sqrt((a - b) * (a - b) + 4 * c * c);
        Assert.Equal(expected, EmpiricalNtk.Localization(energy, 1), 12);
        Assert.Equal(expected, EmpiricalNtk.Localization(energy, 2), 12);
        Assert.Equal(c / Math.Sqrt(a * b), EmpiricalNtk.CrossAlignment(k, 1), 12);
    }

    [Fact]
    public void Bad_inputs_are_rejected_with_the_argument_the_expected_and_the_actual_shape()
    {
        var model = new Mlp([3, 4, 2], Activation.Relu);
        using var theta0 = model.Initialize(1, ScalarType.Float64);
        var f = model.Linearize(theta0);

        var wide = Assert.Throws<ArgumentException>(() => EmpiricalNtk.Compute(f, R(1, 4, 3), R(2, 3)));
        Assert.Equal("r", wide.ParamName);
        Assert.Contains("D = 2", wide.Message);
        Assert.Contains("got [3]", wide.Message);

        var empty = Assert.Throws<ArgumentException>(() => EmpiricalNtk.Compute(f, zeros(0, 3), R(2, 2)));
        Assert.Equal("x", empty.ParamName);
        Assert.Contains("got [0, 3]", empty.Message);

        var oblong = Assert.Throws<ArgumentException>(() => EmpiricalNtk.Eigen(R(3, 2, 3)));
        Assert.Equal("k", oblong.ParamName);
        Assert.Contains("got [2, 3]", oblong.Message);

        var split = Assert.Throws<ArgumentOutOfRangeException>(() => EmpiricalNtk.CrossAlignment(eye(4), 4));
        Assert.Equal("n", split.ParamName);
        Assert.Contains("N − 1 = 3; got 4", split.Message);

        var top = Assert.Throws<ArgumentOutOfRangeException>(() => EmpiricalNtk.Localization(ones(3), 4));
        Assert.Contains("M = 3", top.Message);
    }

    [Fact]
    public void Chance_localization_of_two_samples_is_two_over_pi()
    {
        // A random unit vector in R² is (cos θ, sin θ), θ uniform: E_A = cos²θ, |2E_A − 1| = |cos 2θ|, mean 2/π.
        Assert.Equal(2 / Math.PI, EmpiricalNtk.ChanceLocalization(1, 2, samples: 200_000), 2);
        // Larger kernels are less localized by chance: E_A ~ Beta(n/2, n/2), so |2E_A − 1| shrinks like 1/√(2n).
        Assert.True(EmpiricalNtk.ChanceLocalization(32, 64) < 0.2);
    }
}
