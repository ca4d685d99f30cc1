using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using TangentKit.Experiments;

namespace TangentKit.Cli;

/// `tangent reproduce` (every table and figure) and one verb per experiment (the same pipeline, restricted).
static class ReproduceCommand
{
    public static IEnumerable<Command> Create()
    {
        yield return Build("reproduce",
            "Reproduce every table and figure of the paper (fetches data, fine-tunes with caching and resume, " +
            "evaluates, writes results/<preset>/index.html).", null);
        foreach (var e in ExperimentRegistry.All)
        {
            var reads = e.Needs.Count == 0 ? ""
                : $" Reads {string.Join(", ", e.Needs.Select(n => ExperimentRegistry.Of(n).Verb))} first.";
            var cached = e.Derived ? "Recomputed from the stored results each time" : "Cached";
            yield return Build(e.Verb,
                $"{e.Summary}{reads} {cached}; writes {e.Stem}.json/.csv and its figures; notebook: {e.Notebook}.", e.Id);
        }
    }

    static Command Build(string name, string description, Experiment? only)
    {
        var preset = new Option<string>("--preset")
        {
            Description = "tiny (generated data, seconds) or mini (offline ImageNet ResNet-18 and real tasks).",
            DefaultValueFactory = _ => "mini",
        };
        var output = new Option<DirectoryInfo?>("--out")
        {
            Description = "Results folder (default: results/<preset>).",
        };
        var threads = new Option<int>("--threads")
        {
            Description = "Intra-op threads.", DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        var dataCache = new Option<DirectoryInfo?>("--data-cache")
        {
            Description = "Where fetched datasets are kept (default: ~/.cache/tangentkit/data).",
        };
        var seeds = new Option<int>("--seeds")
        {
            Description = "Fine-tuning seeds: 2 or more repeat fine-tuning (same data, θ0 and heads) and add each " +
                "seed's verdicts and the numbers' ranges to the summary.", DefaultValueFactory = _ => 1,
        };
        var command = new Command(name, description) { preset, output, threads, dataCache, seeds };
        command.SetAction(r =>
        {
            var p = Preset.Named(r.GetValue(preset)!);
            if (r.GetValue(seeds) < 1)
            {
                AnsiConsole.MarkupLine($"[red]--seeds must be at least 1, got {r.GetValue(seeds)}.[/]");
                return 2;
            }
            Startup.Torch(r.GetValue(threads));
            var outDir = r.GetValue(output)?.FullName ?? Path.Combine("results", p.Name);
            var clock = Stopwatch.StartNew();
            var index = ConsoleProgress.Run(progress =>
            {
                using var suite = Suite.Open(p, outDir, progress, r.GetValue(dataCache)?.FullName);
                return Reproduction.Run(suite, only is null ? null : [only.Value], r.GetValue(seeds));
            });
            AnsiConsole.MarkupLine($"[bold]report:[/] {Markup.Escape(index)}  ({clock.Elapsed.TotalMinutes:F1} min)");
            return 0;
        });
        return command;
    }
}
