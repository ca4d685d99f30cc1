using System.CommandLine;
using Spectre.Console;
using TangentKit.Benchmarks;
using TangentKit.Evaluation;
using TangentKit.Training;
using TorchSharp;

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
        var device = new Option<string>("--device")
        {
            Description = "cpu, cuda or cuda:N (a CUDA build); peak memory is the process's resident set, measured " +
                "on the CPU only.", DefaultValueFactory = _ => "cpu",
        };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the figures to this JSON file." };
        var from = new Option<FileInfo?>("--from")
        {
            Description = "Print the figures of a file written by --json instead of measuring.",
        };
        var markdown = new Option<bool>("--markdown")
        {
            Description = "Also print the cost table as Markdown (the README's table).",
        };

        var command = new Command("bench",
                "Measure the cost of linearization: ms per training step (standard vs linear, alternating, beside " +
                "the same ResNet in TorchSharp's own modules), where a step's time goes, peak memory, and the " +
                "speed-up of the exact affine shortcut over 21 α values.")
            { threads, rounds, warmup, batch, vitLayers, examples, noMemory, device, json, from, markdown };
        command.SetAction(r =>
        {
            BenchReport report;
            if (r.GetValue(from) is { } file)
                report = BenchReport.Load(file.FullName);
            else
            {
                Startup.Torch(r.GetValue(threads));
                var on = Startup.Device(r.GetValue(device)!);
                if (on is null) return 2;
                var cases = BenchmarkCase.Defaults(r.GetValue(batch), r.GetValue(vitLayers))
                    .Select(c => c with { Device = on }).ToList();
                report = Measure(cases, r.GetValue(threads), r.GetValue(rounds), r.GetValue(warmup),
                    r.GetValue(batch), r.GetValue(examples), !r.GetValue(noMemory) && on.type == DeviceType.CPU);
            }
            Print(report);
            if (r.GetValue(markdown)) Console.Write(report.ToMarkdown());
            if (r.GetValue(json) is { } output) report.Save(output.FullName);
            return 0;
        });
        return command;
    }

    static BenchReport Measure(IReadOnlyList<BenchmarkCase> cases, int threads, int rounds, int warmup, int batch,
        int examples, bool memory)
    {
        AnsiConsole.MarkupLine($"[bold]tangent bench[/]: {threads} threads, batch {batch}, " +
            $"{rounds} measured rounds after {warmup} warm-up");
        // Every timing before any memory measurement, which changes glibc's allocation thresholds (see PeakMemory).
        var timings = cases.Select(c => StepBenchmark.TimeSteps(c, rounds, warmup,
            line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]"))).ToList();
        AnsiConsole.MarkupLine($"[grey]affine shortcut: 21 α on {Markup.Escape(cases[0].Name)} …[/]");
        var affine = AffineShortcutBenchmark.Run(cases[0], examples, AlphaSearch.PaperGrid);
        var results = cases.Zip(timings, (c, timing) =>
        {
            long? Peak(FineTuneMode mode)
            {
                if (!memory) return null;
                AnsiConsole.MarkupLine($"[grey]peak memory: {Markup.Escape(c.Name)} {mode}[/]");
                return StepBenchmark.PeakStepMemory(c, mode);
            }
            return new BenchCase(timing, Peak(FineTuneMode.Standard), Peak(FineTuneMode.Linear));
        }).ToList();
        return new BenchReport(threads, batch, rounds, warmup, results, affine);
    }

    static void Print(BenchReport report)
    {
        static string Mib(long? bytes) => bytes is { } b ? $"{b / 1048576.0:F0}" : "–";
        static string Times(double v) => double.IsNaN(v) ? "–" : $"{v:F2}×";
        var table = new Table().Title($"Cost of linearization (per training step; {report.Threads} threads, batch " +
                $"{report.Batch}, {report.Rounds} rounds)")
            .AddColumns("case", "TorchSharp modules ms", "standard ms", "standard/modules", "linear ms",
                "linear/standard", "standard peak MiB", "linear peak MiB", "memory ratio");
        foreach (var c in report.Cases)
        {
            var t = c.Timing;
            table.AddRow(Markup.Escape(t.Case), double.IsNaN(t.PeerMs) ? "–" : $"{t.PeerMs:F0}", $"{t.StandardMs:F0}",
                Times(t.PeerRatio), $"{t.LinearMs:F0}", Times(t.Ratio), Mib(c.StandardPeakBytes),
                Mib(c.LinearPeakBytes), Times(c.MemoryRatio));
        }
        AnsiConsole.Write(table);
        var profile = new Table().Title("Where a step's time goes (median ms per phase)")
            .AddColumns(["case", "method", .. StepProfile.Phases, "total"]);
        foreach (var t in report.Cases.Select(c => c.Timing))
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
        var resnet = report.Cases.Select(c => c.Timing).Where(t => t.Case.StartsWith("resnet")).ToList();
        AnsiConsole.MarkupLine("Linear/standard step ratio on the ResNet [[2,2,2,3]] shape: " +
            $"{string.Join(", ", resnet.Select(t => $"{t.Ratio:F2}×"))} " +
            "(theory ≈ 1.67× for matmul- and conv-bound layers).");
        var a = report.Affine;
        AnsiConsole.MarkupLine($"Affine shortcut over {a.Alphas} α values on {Markup.Escape(a.Case)}: direct " +
            $"{a.DirectMs:F0} ms, shortcut {a.ShortcutMs:F0} ms → [bold]{a.Speedup:F1}×[/] (both exact); max " +
            $"accuracy difference {a.MaxAccuracyDifference:G3}.");
    }
}
