using TangentKit.Benchmarks;
using TangentKit.Reporting;
using TangentKit.Training;

namespace TangentKit.Experiments;

/// <summary>Time and peak memory of one training step in each mode on the suite's backbone and batch.</summary>
public sealed record CostResult(string Case, double StandardMs, double LinearMs, double TimeRatio,
    double StandardPeakMiB, double LinearPeakMiB, double MemoryRatio);

/// <summary>
/// Cost of linearization: ms per step (alternating, median of paired ratios) and peak memory, standard vs linear.
/// Shown in notebooks/08-cost-of-linearization.
/// </summary>
public static class LinearizationCost
{
    /// <summary>Measures (or reads) the cost on the preset's model, image size and batch.</summary>
    public static CostResult Run(Suite suite) =>
        suite.Results.GetOrCompute(ExperimentRegistry.Stem(Experiment.Cost), () =>
    {
        // One pass's batch: a preset that accumulates gradients (ViT-L/14) runs its micro-batches one at a time.
        var options = suite.Preset.FineTune;
        int batch = options.BatchSize / Math.Max(1, options.MicroBatches);
        var (size, model) = (suite.Preset.ImageSize, suite.Data.Model);
        var c = new BenchmarkCase($"{model.Name} {size}px b{batch}", model, [batch, 3, size, size])
            { Device = suite.Device };
        suite.Progress.Report("cost of linearization", 0, 3);
        var timing = StepBenchmark.TimeSteps(c, suite.Preset.CostRounds);
        suite.Progress.Report("cost of linearization", 1, 3);
        // Peak memory is the process's resident set: meaningful on the CPU only (NaN on a GPU).
        bool host = suite.Device.type == TorchSharp.DeviceType.CPU;
        double std = host ? StepBenchmark.PeakStepMemory(c, FineTuneMode.Standard) / 1048576.0 : double.NaN;
        suite.Progress.Report("cost of linearization", 2, 3);
        double lin = host ? StepBenchmark.PeakStepMemory(c, FineTuneMode.Linear) / 1048576.0 : double.NaN;
        suite.Progress.Report("cost of linearization", 3, 3);
        return new CostResult(c.Name, timing.StandardMs, timing.LinearMs, timing.Ratio, std, lin, lin / std);
    });

    /// <summary>Time and peak memory per step, standard vs linear.</summary>
    public static Plotly.NET.GenericChart Chart(CostResult r)
        => Figures.Bars("Cost of linearization per training step", ["ms per step", "peak MiB"],
            [("standard", [r.StandardMs, r.StandardPeakMiB]), ("linear (JVP)", [r.LinearMs, r.LinearPeakMiB])], "");

    /// <summary>Writes the table, chart and section.</summary>
    public static ReportSection Report(Suite suite, CostResult r)
    {
        return suite.Publish(Experiment.Cost, Tables.FromRecords([r]),
            $"One optimizer step (forward, backward, clipping, AdamW) on {r.Case}: standard vs linearized " +
            $"fine-tuning, timed alternately ({suite.Preset.CostRounds} rounds, median of paired ratios) and peak " +
            $"resident memory above the level before the step. `tangent bench` measures more shapes.",
            $"A linearized step costs {r.TimeRatio:F2}× the time and " +
            (double.IsNaN(r.StandardPeakMiB) ? "(not measured: resident memory is a CPU measure) the peak memory"
                : r.StandardPeakMiB >= 1 ? $"{r.MemoryRatio:F2}× the peak memory"
                : "(too small to measure here) the peak memory") + " of a standard step " +
            "(the paper and theory: ≈ 2× compute for a forward JVP and backward through it; ≈ 1.67× for " +
            "matmul/conv-bound layers).",
            new FigureSpec(ExperimentRegistry.Stem(Experiment.Cost), Chart(r), 640, 420));
    }
}
