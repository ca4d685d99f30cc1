using TangentKit.Data;
using TangentKit.Evaluation;
using TangentKit.Kernels;
using TangentKit.Reporting;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Experiments;

/// <summary>
/// The empirical NTK of one θ0 on the samples of one task pair: spectrum, local energy of each eigenfunction on task
/// A, the localization (with bootstrap replicates over the top eigenfunctions), the cross-task kernel alignment and
/// the normalized kernel.
/// </summary>
public sealed record NtkSpectrum(Initialization Initialization, string TaskA, string TaskB,
    IReadOnlyList<double> Eigenvalues, IReadOnlyList<double> EnergyOnA, Measured Localization,
    double CrossAlignment, double[][] NormalizedKernel);

/// <summary>
/// Figure 5's measurements for every task pair and both θ0, the samples per task, the eigenfunctions averaged and
/// the localization's chance level (random unit vectors of the same size).
/// </summary>
public sealed record NtkResult(int ExamplesPerTask, int TopEigenvectors, double ChanceLocalization,
    IReadOnlyList<NtkSpectrum> Spectra)
{
    /// <summary>Mean localization of <paramref name="init"/> over the pairs.</summary>
    public Measured MeanLocalization(Initialization init) =>
        Measured.Mean(Spectra.Where(s => s.Initialization == init).Select(s => s.Localization));
}

/// <summary>
/// Figure 5 — NTK eigenfunction localization: at a pre-trained θ0 the kernel's top eigenfunctions concentrate on one
/// task's samples (local energy near 0 or 1), at a random θ0 they spread. Shown in
/// notebooks/05-figure5-ntk-localization.
/// </summary>
public static class NtkLocalization
{
    /// <summary>Computes (or reads) the kernels of every ξ pair at the pre-trained and the random θ0.</summary>
    public static NtkResult Run(Suite suite) =>
        suite.Results.GetOrCompute(ExperimentRegistry.Stem(Experiment.Ntk), () =>
    {
        int n = suite.Preset.NtkExamplesPerTask, top = Math.Min(10, 2 * n);
        var spectra = new List<NtkSpectrum>();
        foreach (var init in new[] { Initialization.Pretrained, Initialization.Random })
            foreach (var pair in Disentanglement.Pairs(suite))
                spectra.Add(Spectrum(suite, init, Task(suite, pair.TaskA), Task(suite, pair.TaskB), n, top));
        return new NtkResult(n, top, EmpiricalNtk.ChanceLocalization(n, 2 * n), spectra);
    });

    static ImageTask Task(Suite suite, string name) => suite.Tasks.Single(t => t.Name == name);

    static NtkSpectrum Spectrum(Suite suite, Initialization init, ImageTask a, ImageTask b, int n, int top)
    {
        var backbone = suite.Backbone(init);
        using var scope = NewDisposeScope();
        using var firstA = a.Test.Take(n);
        using var firstB = b.Test.Take(n);
        var x = cat([firstA.Inputs, firstB.Inputs], 0);                                  // task A's samples first
        var seed = unchecked((ulong)suite.Preset.Seed + 5);
        var r = EmpiricalNtk.RandomUnitReadout(backbone.Linearized, x, seed);
        var label = $"NTK {a.Name}–{b.Name} ({backbone.Name}): {2 * n} kernel columns";
        var k = EmpiricalNtk.Compute(backbone.Linearized, x, r,
            (done, total) => suite.Progress.Report(label, done, total));
        var (values, vectors) = EmpiricalNtk.Eigen(k);
        var energyA = EmpiricalNtk.EnergyOnFirst(vectors, n);
        var energies = energyA.cpu().data<double>().ToArray();
        var perEigenfunction = energies.Take(top).Select(e => Math.Abs(2 * e - 1)).ToArray();
        var localization = Bootstrap.Mean(perEigenfunction, $"ntk-top{top}");
        var normalized = EmpiricalNtk.Normalized(k);
        var rows = Enumerable.Range(0, 2 * n).Select(i => normalized[i].cpu().data<double>().ToArray()).ToArray();
        return new NtkSpectrum(init, a.Name, b.Name, values.cpu().data<double>().ToArray(), energies, localization,
            EmpiricalNtk.CrossAlignment(k, n), rows);
    }

    /// <summary>Localization (with 95 % interval over the top eigenfunctions) and cross alignment per pair.</summary>
    public static Deedle.Frame<int, string> Table(NtkResult result) =>
        Tables.FromRecords(result.Spectra.Select(s => new
        {
            s.Initialization, Pair = $"{s.TaskA}–{s.TaskB}", Localization = s.Localization.Format(1, "F2"),
            Chance = Math.Round(result.ChanceLocalization, 3), CrossAlignment = Math.Round(s.CrossAlignment, 3),
            TopEigenvalue = s.Eigenvalues[0],
        }));

    /// <summary>Local energy of the top eigenfunctions on task A, per θ0 and pair.</summary>
    public static Plotly.NET.GenericChart Chart(NtkResult result)
        => Figures.Lines("Figure 5 — energy of the top NTK eigenfunctions on task A (rest on task B)",
            result.Spectra.Select(s => ($"{s.TaskA}–{s.TaskB} ({s.Initialization.ToString().ToLowerInvariant()})",
                (IReadOnlyList<double>)Enumerable.Range(1, result.TopEigenvectors).Select(i => (double)i).ToList(),
                (IReadOnlyList<double>)s.EnergyOnA.Take(result.TopEigenvectors).ToList())),
            "eigenfunction (by decreasing eigenvalue)", "local energy on task A");

    /// <summary>The normalized kernel at the pre-trained θ0 for the first pair.</summary>
    public static Plotly.NET.GenericChart KernelChart(NtkResult result)
    {
        var pre = result.Spectra.First(s => s.Initialization == Initialization.Pretrained);
        var axis = Enumerable.Range(0, pre.NormalizedKernel.Length).Select(i => (double)i).ToList();
        var samples = $"sample (0–{result.ExamplesPerTask - 1} {pre.TaskA}, then {pre.TaskB})";
        return Figures.Heatmap($"Normalized empirical NTK at θ0 (pre-trained), {pre.TaskA}–{pre.TaskB}", axis, axis,
            pre.NormalizedKernel, samples, samples, -1, 1, 560, 500);
    }

    /// <summary>Writes Figure 5's table, charts and the report section.</summary>
    public static ReportSection Report(Suite suite, NtkResult result)
    {
        var claim = Claims.Localized(result, SingleTask.Run(suite));
        var stem = ExperimentRegistry.Stem(Experiment.Ntk);
        string Alignment(Initialization init) => string.Join(", ", result.Spectra.Where(s => s.Initialization == init)
            .Select(s => $"{s.TaskA}–{s.TaskB} {s.CrossAlignment:F2}"));
        return suite.Publish(Experiment.Ntk, Table(result),
            $"Empirical NTK of the encoder at θ0 on {result.ExamplesPerTask} test samples of each task of a pair. " +
            "Choices: scalar output s(x) = r·f(x) with a fixed random unit vector r; exact kernel by one backward " +
            "and one JVP pass per sample; eigenvectors of the sample kernel as eigenfunctions; local energy E_A = " +
            "squared " +
            "eigenvector mass on task A's samples. Localization = mean |2E_A − 1| over the top " +
            $"{result.TopEigenvectors} eigenfunctions (1 = each lives on one task); its chance level, for random " +
            $"unit vectors of the same size, is {result.ChanceLocalization:F3}. Brackets: 95 % bootstrap intervals " +
            "over the top eigenfunctions.",
            $"Mean localization {result.MeanLocalization(Initialization.Pretrained).Format(1, "F2")} pre-trained vs " +
            $"{result.MeanLocalization(Initialization.Random).Format(1, "F2")} random init (chance " +
            $"{result.ChanceLocalization:F2}). Cross-task kernel alignment, pre-trained: " +
            $"{Alignment(Initialization.Pretrained)}; random: {Alignment(Initialization.Random)}. Localization above " +
            $"chance and higher pre-trained than random: {claim.Verdict.Text()}.",
            new FigureSpec(stem, Chart(result), 760, 440),
            new FigureSpec(stem + "_kernel", KernelChart(result), 560, 500));
    }
}
