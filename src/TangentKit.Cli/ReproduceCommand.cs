using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using TangentKit.Experiments;

namespace TangentKit.Cli;

/// `tangent reproduce` (every table and figure) and one verb per experiment (the same pipeline, restricted).
static class ReproduceCommand
{
    static readonly (string Verb, Experiment Experiment, string Description)[] Verbs =
    [
        ("single-task", Experiment.SingleTask, "Figure 2: single-task accuracy, non-linear vs post-hoc linearized."),
        ("addition", Experiment.Addition, "Table 1: task addition (zero-shot, non-linear, post-hoc, linear)."),
        ("negation", Experiment.Negation, "Table 2: task negation against the held-out control task."),
        ("disentanglement", Experiment.Disentanglement, "Figures 3/4: weight-disentanglement error maps ξ(α1, α2)."),
        ("ntk", Experiment.Ntk, "Figure 5: NTK eigenfunction localization."),
        ("random-init", Experiment.RandomInit, "Random initialization vs pre-trained task addition."),
        ("advantage", Experiment.Advantage, "Non-linear advantage per task."),
        ("cost", Experiment.Cost, "Cost of linearization: time and peak memory per step."),
        ("similarity", Experiment.Similarity, "Task-vector cosine similarity matrix."),
        ("per-task-alpha", Experiment.PerTaskAlpha, "Per-task α what-if (exact, via the affine shortcut)."),
    ];

    public static IEnumerable<Command> Create()
    {
        yield return Build("reproduce", "Reproduce every table and figure of the paper (fetches data, fine-tunes with caching and resume, evaluates, writes results/<preset>/index.html).", null);
        foreach (var (verb, experiment, description) in Verbs) yield return Build(verb, description + " Runs what it needs first (cached).", experiment);
    }

    static Command Build(string name, string description, Experiment? only)
    {
        var preset = new Option<string>("--preset") { Description = "tiny (generated data, seconds) or mini (offline ImageNet ResNet-18 and real tasks).", DefaultValueFactory = _ => "mini" };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Results folder (default: results/<preset>)." };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var dataCache = new Option<DirectoryInfo?>("--data-cache") { Description = "Where fetched datasets are kept (default: ~/.cache/tangentkit/data)." };
        var command = new Command(name, description) { preset, output, threads, dataCache };
        command.SetAction(r =>
        {
            var p = Preset.Named(r.GetValue(preset)!);
            Startup.Torch(r.GetValue(threads));
            var outDir = r.GetValue(output)?.FullName ?? Path.Combine("results", p.Name);
            var clock = Stopwatch.StartNew();
            var index = ConsoleProgress.Run(progress =>
            {
                using var suite = Suite.Open(p, outDir, progress, r.GetValue(dataCache)?.FullName);
                return Reproduction.Run(suite, only is null ? null : [only.Value]);
            });
            AnsiConsole.MarkupLine($"[bold]report:[/] {Markup.Escape(index)}  ({clock.Elapsed.TotalMinutes:F1} min)");
            return 0;
        });
        return command;
    }
}
