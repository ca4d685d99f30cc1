using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;
using TangentKit.Benchmarks;
using TangentKit.Evaluation;
using TangentKit.IO;
using TangentKit.Training;

namespace TangentKit.Cli;

/// `tangent bench`: the cost of linearization — ms per step and peak memory of both modes, and the affine shortcut.
static class BenchCommand
{
    public static Command Create()
    {
        var threads = new Option<int>("--threads")
            { Description = "Intra-op threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var rounds = new Option<int>("--rounds")
        {
            Description = "Measured rounds per case (each runs one standard and one linear step).",
            DefaultValueFactory = _ => 5,
        };
        var warmup = new Option<int>("--warmup")
            { Description = "Unmeasured rounds first.", DefaultValueFactory = _ => 1 };
        var batch = new Option<int>("--batch")
            { Description = "Batch size of every case.", DefaultValueFactory = _ => 32 };
        var vitLayers = new Option<int>("--vit-layers")
        {
            Description = "Blocks of the ViT-B/32-shaped stack (12 is the full encoder).",
            DefaultValueFactory = _ => 2,
        };
        var examples = new Option<int>("--examples")
        {
            Description = "Examples evaluated at each α in the affine-shortcut measurement.",
            DefaultValueFactory = _ => 256,
        };
        var noMemory = new Option<bool>("--no-memory") { Description = "Skip the peak-memory measurement." };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the figures to this JSON file." };

        var command = new Command("bench",
                "Measure the cost of linearization: ms per training step (standard vs linear, alternating), " +
                "peak memory, and the speed-up of the exact affine shortcut over 21 α values.")
            { threads, rounds, warmup, batch, vitLayers, examples, noMemory, json };
        command.SetAction(r =>
        {
            Startup.Torch(r.GetValue(threads));
            var cases = BenchmarkCase.Defaults(r.GetValue(batch), r.GetValue(vitLayers));
            return Run(cases, r.GetValue(threads), r.GetValue(rounds), r.GetValue(warmup), r.GetValue(batch),
                r.GetValue(examples), !r.GetValue(noMemory), r.GetValue(json));
        });
        return command;
    }

    static int Run(IReadOnlyList<BenchmarkCase> cases, int threads, int rounds, int warmup, int batch, int examples,
        bool memory, FileInfo? json)
    {
        AnsiConsole.MarkupLine($"[bold]tangent bench[/]: {threads} threads, batch {batch}, " +
            $"{rounds} measured rounds after {warmup} warm-up");
        var timings = new List<StepTiming>();
        foreach (var c in cases)
            timings.Add(StepBenchmark.TimeSteps(c, rounds, warmup,
                line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]")));

        var peaks = new Dictionary<(int, FineTuneMode), long>();
        if (memory)
            for (int i = 0; i < cases.Count; i++)
                foreach (var mode in Enum.GetValues<FineTuneMode>())
                {
                    AnsiConsole.MarkupLine($"[grey]peak memory: {Markup.Escape(cases[i].Name)} {mode}[/]");
                    peaks[(i, mode)] = StepBenchmark.PeakStepMemory(cases[i], mode);
                }

        AnsiConsole.MarkupLine($"[grey]affine shortcut: 21 α on {Markup.Escape(cases[0].Name)} …[/]");
        var affine = AffineShortcutBenchmark.Run(cases[0], examples, AlphaSearch.PaperGrid);

        var table = new Table().Title("Cost of linearization (per training step)")
            .AddColumns("case", "TorchSharp modules ms", "standard ms", "standard/modules", "linear ms",
                "linear/standard", "standard peak MiB", "linear peak MiB", "memory ratio");
        for (int i = 0; i < cases.Count; i++)
        {
            var t = timings[i];
            string Mib(FineTuneMode m) => peaks.TryGetValue((i, m), out var b) ? $"{b / 1048576.0:F0}" : "–";
            string memRatio = peaks.ContainsKey((i, FineTuneMode.Standard))
                ? $"{(double)peaks[(i, FineTuneMode.Linear)] / peaks[(i, FineTuneMode.Standard)]:F2}×"
                : "–";
            table.AddRow(Markup.Escape(t.Case), double.IsNaN(t.PeerMs) ? "–" : $"{t.PeerMs:F0}", $"{t.StandardMs:F0}",
                double.IsNaN(t.PeerRatio) ? "–" : $"{t.PeerRatio:F2}×", $"{t.LinearMs:F0}", $"{t.Ratio:F2}×",
                Mib(FineTuneMode.Standard), Mib(FineTuneMode.Linear), memRatio);
        }
        AnsiConsole.Write(table);
        var profile = new Table().Title("Where a step's time goes (median ms per phase)")
            .AddColumns(["case", "method", .. StepProfile.Phases, "total"]);
        foreach (var t in timings)
            foreach (var (method, ms) in t.Phases.OrderBy(kv => kv.Key == "modules" ? 0 : kv.Key == "standard" ? 1 : 2))
            {
                profile.AddRow([Markup.Escape(t.Case), method, .. ms.Select(v => $"{v:F1}"), $"{ms.Sum():F1}"]);
                if (method == "standard" && t.Phases.TryGetValue("modules", out var peer))
                    profile.AddRow(["", "[grey]standard − modules[/]",
                        .. ms.Zip(peer, (a, b) => $"[grey]{a - b:+0.0;-0.0}[/]"),
                        $"[grey]{ms.Sum() - peer.Sum():+0.0;-0.0}[/]"]);
            }
        AnsiConsole.Write(profile);
        AnsiConsole.MarkupLine("TorchSharp modules = the same ResNet built from TorchSharp's nn modules and trained " +
            "with torch.optim.AdamW, timed in the same rounds: standard/modules is the kit's overhead over plain " +
            "TorchSharp.");
        AnsiConsole.MarkupLine("Linear/standard step ratio on the ResNet [[2,2,2,3]] shape: " +
            $"{string.Join(", ", timings.Take(2).Select(t => $"{t.Ratio:F2}×"))} " +
            "(theory ≈ 1.67× for matmul- and conv-bound layers).");
        AnsiConsole.MarkupLine($"Affine shortcut over {affine.Alphas} α values, {examples} examples: " +
            $"direct {affine.DirectMs:F0} ms, shortcut {affine.ShortcutMs:F0} ms → [bold]{affine.Speedup:F1}×[/] " +
            $"(both exact); max accuracy difference {affine.MaxAccuracyDifference:G3}.");

        if (json is not null)
            AtomicFile.WriteAllText(json.FullName, JsonSerializer.Serialize(new
            {
                threads, batch, rounds, warmup,
                steps = timings,
                peakBytes = peaks.Select(kv =>
                    new { @case = cases[kv.Key.Item1].Name, mode = kv.Key.Item2.ToString(), bytes = kv.Value }),
                affine = new
                {
                    affine.Case, affine.Alphas, affine.DirectMs, affine.ShortcutMs, affine.Speedup,
                    affine.MaxAccuracyDifference,
                },
            }, new JsonSerializerOptions
            {
                WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            }));
        return 0;
    }
}
