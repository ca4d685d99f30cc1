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
                $"{e.Summary}{reads} {cached}; writes {e.Stem}.json/.csv and its figures; notebook: {e.Notebook}.",
                e.Id);
        }
    }

    static Command Build(string name, string description, Experiment? only)
    {
        var preset = new Option<string>("--preset")
        {
            Description = "tiny (generated data, seconds), mini (offline ImageNet ResNet-18 and real tasks) or paper " +
                "(CLIP ViTs on the paper's datasets: needs --weights and --data, and a GPU).",
            DefaultValueFactory = _ => "mini",
        };
        var model = new Option<string>("--model")
        {
            Description = $"The paper preset's CLIP model: {string.Join(", ", Preset.ClipModels)}.",
            DefaultValueFactory = _ => "ViT-B-32",
        };
        var weights = new Option<FileInfo?>("--weights")
        {
            Description = "Paper preset: the CLIP checkpoint (open_clip/OpenAI state dict, .pt/.bin/.safetensors; " +
                $"default ${PaperInputs.WeightsVariable}).",
        };
        var data = new Option<DirectoryInfo?>("--data")
        {
            Description = "Paper preset: the folder with the datasets in the README's layout " +
                $"(default ${PaperInputs.DataVariable}).",
        };
        var vocab = new Option<FileInfo?>("--vocab")
        {
            Description = "Paper preset: CLIP's bpe_simple_vocab_16e6.txt.gz (default: fetched into the data cache).",
        };
        var device = new Option<string>("--device")
        {
            Description = "Where θ0, heads, task vectors, optimizer state and caches live: cpu, cuda or cuda:N " +
                "(cuda needs a build with -p:TorchBackend=cuda).", DefaultValueFactory = _ => "cpu",
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
        var command = new Command(name, description)
            { preset, output, threads, dataCache, seeds, model, weights, data, vocab, device };
        command.SetAction(r =>
        {
            Preset p;
            PaperInputs? paper = null;
            try
            {
                var presetName = r.GetValue(preset)!;
                p = presetName == "paper" ? Preset.Paper(r.GetValue(model)!) : Preset.Named(presetName);
                if (p.ClipModel is not null)
                    paper = PaperInputs.Resolve(r.GetValue(weights)?.FullName, r.GetValue(data)?.FullName,
                        r.GetValue(vocab)?.FullName, Environment.GetEnvironmentVariable);
            }
            catch (ArgumentException e)
            {
                AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message.Split(" (Parameter")[0])}[/]");
                return 2;
            }
            if (r.GetValue(seeds) < 1)
            {
                AnsiConsole.MarkupLine($"[red]--seeds must be at least 1, got {r.GetValue(seeds)}.[/]");
                return 2;
            }
            Startup.Torch(r.GetValue(threads));
            var on = Startup.Device(r.GetValue(device)!);
            if (on is null) return 2;
            var outDir = r.GetValue(output)?.FullName ?? Path.Combine("results", p.Name);
            var clock = Stopwatch.StartNew();
            var index = ConsoleProgress.Run(progress =>
            {
                using var suite = Suite.Open(p, outDir, progress, r.GetValue(dataCache)?.FullName, on, paper);
                return Reproduction.Run(suite, only is null ? null : [only.Value], r.GetValue(seeds));
            });
            AnsiConsole.MarkupLine($"[bold]report:[/] {Markup.Escape(index)}  ({clock.Elapsed.TotalMinutes:F1} min)");
            return 0;
        });
        return command;
    }
}
