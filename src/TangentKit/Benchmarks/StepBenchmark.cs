using System.Diagnostics;
using TangentKit.Models;
using TangentKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Benchmarks;

/// <summary>
/// Milliseconds per training step of both modes on one case, measured alternately, and their paired ratio.
/// </summary>
/// <param name="Case">The case's name.</param>
/// <param name="StandardMs">Median ms per standard step.</param>
/// <param name="LinearMs">Median ms per linearized step.</param>
/// <param name="Ratio">Median over rounds of (linear ms / standard ms of the same round).</param>
/// <param name="Rounds">Measured rounds (after warm-up).</param>
/// <param name="PeerMs">Median ms per step of <see cref="ModulePeer"/> (NaN where the model has no peer).</param>
/// <param name="PeerRatio">Median over rounds of (kit standard ms / peer ms of the same round), or NaN.</param>
/// <param name="Phases">
/// Median ms of each phase of <see cref="StepProfile.Phases"/>, by method: <c>standard</c>, <c>linear</c> and, where
/// there is a peer, <c>modules</c>.
/// </param>
public sealed record StepTiming(string Case, double StandardMs, double LinearMs, double Ratio, int Rounds,
    double PeerMs, double PeerRatio, IReadOnlyDictionary<string, double[]> Phases);

/// <summary>
/// Measures the cost of linearized fine-tuning against standard fine-tuning (the paper's cost-of-linearization
/// comparison): one <see cref="FineTuningState.Step"/> of each mode per round, alternating, so machine noise hits
/// both alike.
/// </summary>
public static class StepBenchmark
{
    /// <summary>
    /// Times <paramref name="rounds"/> alternating rounds after <paramref name="warmup"/> unmeasured ones.
    /// </summary>
    public static StepTiming TimeSteps(BenchmarkCase c, int rounds, int warmup = 1, Action<string>? log = null)
    {
        using var setup = Setup.Create(c);
        using var standard = new FineTuningState(c.Model, setup.Theta0, FineTuneMode.Standard);
        using var linear = new FineTuningState(c.Model, setup.Theta0, FineTuneMode.Linear);
        using var peer = c.Model is ResNet resnet
            ? new ModulePeer(resnet, setup.Theta0, Setup.Options.LearningRate, Setup.Options.WeightDecay)
            : null;
        var (s, l, p) = (new List<double>(), new List<double>(), new List<double>());
        var (ps, pl, pp) = (new StepProfile(), new StepProfile(), new StepProfile());
        var phases = new Dictionary<string, List<double[]>> { ["standard"] = [], ["linear"] = [], ["modules"] = [] };
        for (int r = 0; r < warmup + rounds; r++)
        {
            double ts = Time(() => setup.Step(standard, ps)), tl = Time(() => setup.Step(linear, pl));
            double tp = peer is null ? double.NaN
                : Time(() => peer.Step(setup.Inputs, setup.Labels, setup.Head, profile: pp));
            log?.Invoke($"{c.Name} round {r + 1}/{warmup + rounds}{(r < warmup ? " (warm-up)" : "")}: " +
                $"standard {ts:F0} ms, linear {tl:F0} ms" + (peer is null ? "" : $", TorchSharp modules {tp:F0} ms"));
            if (r < warmup) continue;
            s.Add(ts);
            l.Add(tl);
            p.Add(tp);
            phases["standard"].Add((double[])ps.Milliseconds.Clone());
            phases["linear"].Add((double[])pl.Milliseconds.Clone());
            if (peer is not null) phases["modules"].Add((double[])pp.Milliseconds.Clone());
        }
        var medians = phases.Where(kv => kv.Value.Count > 0).ToDictionary(kv => kv.Key, kv =>
            Enumerable.Range(0, StepProfile.Phases.Count).Select(i => Median(kv.Value.Select(m => m[i]))).ToArray());
        return new StepTiming(c.Name, Median(s), Median(l), Median(s.Zip(l, (a, b) => b / a)), rounds,
            peer is null ? double.NaN : Median(p), peer is null ? double.NaN : Median(s.Zip(p, (a, b) => a / b)),
            medians);
    }

    /// <summary>
    /// Runs one step of <paramref name="mode"/> and returns its peak resident memory above the process's level before
    /// it (bytes).
    /// </summary>
    public static long PeakStepMemory(BenchmarkCase c, FineTuneMode mode)
    {
        using var setup = Setup.Create(c);
        using var state = new FineTuningState(c.Model, setup.Theta0, mode);
        setup.Step(state);                                    // first-step allocations (thread pools, caches)
        return PeakMemory.Measure(() => setup.Step(state));
    }

    static double Time(Action a)
    {
        var sw = Stopwatch.StartNew();
        a();
        return sw.Elapsed.TotalMilliseconds;
    }

    internal static double Median(IEnumerable<double> xs)
    {
        var a = xs.OrderBy(x => x).ToArray();
        if (a.Length == 0) return double.NaN;
        return a.Length % 2 == 1 ? a[a.Length / 2] : 0.5 * (a[a.Length / 2 - 1] + a[a.Length / 2]);
    }

    // θ0, a random batch and head for one case.
    sealed class Setup : IDisposable
    {
        public required ParameterSet Theta0 { get; init; }
        public required Tensor Inputs { get; init; }
        public required Tensor Labels { get; init; }
        public required FrozenHead Head { get; init; }
        public static readonly FineTuneOptions Options = new() { LearningRate = 1e-5 };

        public static Setup Create(BenchmarkCase c)
        {
            var g = new Generator(0);
            var inputs = randn(c.InputShape, device: CPU, generator: g).DetachFromDisposeScope();
            var theta0 = c.Model.Initialize(0);
            if (c.Model is ResNet resnet)
            {
                // a normalized network, as a pre-trained θ0 is: batch-norm statistics of the batch itself
                using var raw = theta0;
                theta0 = resnet.RecalibrateBatchNorm(raw, inputs);
            }
            if (c.Device.type != DeviceType.CPU)
            {
                using var host = theta0;
                theta0 = host.To(c.Device);
                using var hostInputs = inputs;
                inputs = hostInputs.to(c.Device).DetachFromDisposeScope();
            }
            using var probe = no_grad();
            long dim = c.Model.Forward(theta0, inputs.narrow(0, 0, 1)).shape[^1];
            return new Setup
            {
                Theta0 = theta0,
                Inputs = inputs,
                Labels = randint(c.Classes, [c.InputShape[0]], device: CPU, generator: g).to(c.Device)
                    .DetachFromDisposeScope(),
                Head = new FrozenHead(randn([c.Classes, dim], device: CPU, generator: g).to(c.Device)),
            };
        }

        public void Step(FineTuningState state, StepProfile? profile = null) =>
            state.Step(Inputs, Labels, Head, Options.LearningRate, Options, profile);

        public void Dispose()
        {
            Theta0.Dispose();
            Inputs.Dispose();
            Labels.Dispose();
            Head.Dispose();
        }
    }
}
