using System.CommandLine;
using Spectre.Console;
using TangentKit.Data.Paper;
using TangentKit.Experiments;

namespace TangentKit.Cli;

/// `tangent datasets`: checks the paper preset's data folder before a long run — every task's splits, or what is
/// missing and where it should be.
static class DatasetsCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo?>("--data")
        {
            Description = $"The folder with the paper's datasets (default ${PaperInputs.DataVariable}).",
        };
        var command = new Command("datasets",
                "Check the paper preset's datasets: each task's train / validation / test sizes and class count, or " +
                "which file is missing and what to download (exit code 2 if any is).")
            { data };
        command.SetAction(r =>
        {
            var root = r.GetValue(data)?.FullName ?? Environment.GetEnvironmentVariable(PaperInputs.DataVariable);
            if (string.IsNullOrWhiteSpace(root))
            {
                AnsiConsole.MarkupLine($"[red]--data DIR (or ${PaperInputs.DataVariable}) is required.[/]");
                return 2;
            }
            var table = new Table().Title($"Paper datasets under {Markup.Escape(root)}")
                .AddColumns("task", "classes", "train", "validation", "test");
            var missing = new List<string>();
            foreach (var name in PaperDatasets.Tasks.Append(PaperDatasets.Control))
            {
                try
                {
                    var t = SuiteData.OpenPaperTask(name, root);
                    table.AddRow(name, $"{t.Classes.Count}", $"{t.Train.Count:N0}", $"{t.Validation.Count:N0}" +
                        (t.RegisteredValidation ? " (own split)" : ""), $"{t.Test.Count:N0}");
                }
                catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException)
                {
                    missing.Add($"[red]✗[/] {name}: {Markup.Escape(e.Message)}");
                }
            }
            if (table.Rows.Count > 0) AnsiConsole.Write(table);
            foreach (var line in missing) AnsiConsole.MarkupLine(line);
            AnsiConsole.MarkupLine(missing.Count == 0 ? "[green]every dataset of the paper preset is in place[/]"
                : $"{missing.Count} of {PaperDatasets.Tasks.Count + 1} datasets missing or incomplete");
            return missing.Count == 0 ? 0 : 2;
        });
        return command;
    }
}
