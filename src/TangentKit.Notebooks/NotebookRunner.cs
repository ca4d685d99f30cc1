using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;
using DocKernelInfo = Microsoft.DotNet.Interactive.Documents.KernelInfo;

namespace TangentKit.Notebooks;

/// Outcome of one notebook.
sealed record NotebookResult(int Cells, int FailedCells, double Seconds);

/// Executes one notebook cell by cell in a fresh C# kernel and writes the executed copy.
static class NotebookRunner
{
    public static async Task<NotebookResult> RunAsync(string path, RunnerOptions options, TextWriter log,
        TextWriter logErr)
    {
        var clock = Stopwatch.StartNew();
        // Parameters reach the notebook as environment variables TANGENTKIT_<NAME> (e.g. TANGENTKIT_PRESET=tiny).
        foreach (var (name, value) in options.Parameters)
            Environment.SetEnvironmentVariable($"TANGENTKIT_{name.ToUpperInvariant()}", value);
        // Relative paths inside the notebook (#r, #!import, results/) resolve against its folder, as in VS Code.
        var previousDirectory = Environment.CurrentDirectory;
        Directory.SetCurrentDirectory(Path.GetDirectoryName(path)!);
        try
        {
            using var kernel = KernelFactory.Create();
            var kernels = new KernelInfoCollection
            {
                new DocKernelInfo("csharp", "C#", ["c#", "C#", "cs"]),
                new DocKernelInfo("markdown", "Markdown", ["md"]),
            };
            kernels.DefaultKernelName = "csharp";
            var document = await InteractiveDocument.LoadAsync(new FileInfo(path), kernels);

            var executed = new InteractiveDocument();
            foreach (var kv in document.Metadata.Where(kv => kv.Key is not "polyglot_notebook"))
                executed.Metadata[kv.Key] = kv.Value;
            int cellNumber = 0, failed = 0;
            foreach (var element in document.Elements)
            {
                cellNumber++;
                if (element.KernelName is "markdown" || (failed > 0 && !options.ContinueOnError))
                {
                    executed.Add(new InteractiveDocumentElement(element.Contents, element.KernelName, []));
                    continue;
                }
                var cellClock = Stopwatch.StartNew();
                var (outputs, error, timedOut) = await CellRunner.RunAsync(kernel, element, options.CellTimeout);
                executed.Add(new InteractiveDocumentElement(element.Contents, element.KernelName, outputs)
                    { ExecutionOrder = cellNumber });
                log.WriteLine($"  [cell {cellNumber}] {(error is null ? "ok" : "FAILED")} " +
                    $"in {cellClock.Elapsed.TotalSeconds:F1}s");
                if (error is null) continue;
                failed++;
                logErr.WriteLine($"--- {Path.GetFileName(path)}: cell {cellNumber} failed ---\n{element.Contents}\n" +
                    $"--- error ---\n{error}");
                if (timedOut) break;                                   // the kernel is still busy: stop this notebook
            }
            if ((options.OutputDirectory ?? DefaultOutput(path, options.Parameters)) is { } outDir)
            {
                var stem = Path.Combine(outDir, Path.GetFileNameWithoutExtension(path));
                var json = Write(executed, document, stem + ".ipynb");
                NotebookPage.Write(json, stem + ".html");
                log.WriteLine($"  wrote {stem}.ipynb and .html");
            }
            return new NotebookResult(cellNumber, failed, clock.Elapsed.TotalSeconds);
        }
        finally { Directory.SetCurrentDirectory(previousDirectory); }
    }

    // Without --out, a run for a preset (or a results folder) keeps its executed copies where that notebook's results
    // go, as _session.dib resolves them from the notebook's folder: <results>/notebooks/, which index.html links.
    static string? DefaultOutput(string notebook, IReadOnlyDictionary<string, string> parameters)
    {
        var folder = Path.GetDirectoryName(notebook)!;
        if (parameters.TryGetValue("results", out var results))
            return Path.Combine(Path.GetFullPath(results, folder), "notebooks");
        return parameters.TryGetValue("preset", out var preset)
            ? Path.GetFullPath(Path.Combine(folder, "..", "results", preset, "notebooks"))
            : null;
    }

    // nbformat 4.5 wants cell ids, which the .NET Interactive writer omits: keep the input's ids or number the cells.
    static JsonNode Write(InteractiveDocument executed, InteractiveDocument input, string outPath)
    {
        var json = JsonNode.Parse(executed.ToJupyterJson("C#"))!;
        var cells = json["cells"]!.AsArray();
        for (int i = 0; i < cells.Count; i++)
            cells[i]!["id"] ??= string.IsNullOrEmpty(input.Elements[i].Id) ? $"cell-{i + 1}" : input.Elements[i].Id;
        Directory.CreateDirectory(Path.GetDirectoryName(outPath)!);
        var tmp = outPath + ".tmp";
        File.WriteAllText(tmp, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(tmp, outPath, overwrite: true);
        return json;
    }
}
