using System.CommandLine;
using Spectre.Console;
using TangentKit.Data.Fetching;

namespace TangentKit.Cli;

/// `tangent fetch`: download and verify datasets and the backbone into the cache.
static class FetchCommand
{
    public static Command Create()
    {
        var names = new Argument<string[]>("names")
        {
            Description = $"Manifests to fetch (default: all): {string.Join(", ", DataManifest.Shipped)}.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var cache = new Option<DirectoryInfo?>("--data-cache")
            { Description = "Cache folder (default: ~/.cache/tangentkit/data)." };
        var command = new Command("fetch",
                "Fetch the offline datasets and the ImageNet ResNet-18 " +
                "(sources tried in manifest order, sha256 verified).")
            { names, cache };
        command.SetAction(r =>
        {
            var wanted = r.GetValue(names) is { Length: > 0 } n ? n : DataManifest.Shipped.ToArray();
            var failed = new List<string>();
            foreach (var name in wanted)
            {
                try
                {
                    var folder = ArtifactFetcher.Fetch(DataManifest.Get(name), r.GetValue(cache)?.FullName,
                        line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]"));
                    AnsiConsole.MarkupLine($"[green]✓[/] {Markup.Escape(name)} → {Markup.Escape(folder)}");
                }
                catch (DataFetchException e)          // one artifact out of reach (offline) does not stop the rest
                {
                    AnsiConsole.MarkupLine($"[red]✗[/] {Markup.Escape(e.Message)}");
                    failed.Add(name);
                }
            }
            if (failed.Count > 0)
                AnsiConsole.MarkupLine($"[red]not fetched: {Markup.Escape(string.Join(", ", failed))}[/]");
            return failed.Count == 0 ? 0 : 2;
        });
        return command;
    }
}
