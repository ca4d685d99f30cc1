using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using TangentKit.Reporting;
using Xunit.Abstractions;

namespace TangentKit.Tests.Notebooks;

/// Shares one results folder between the notebook runs, so the tiny fine-tuning runs happen once.
public sealed class NotebookResultsFixture : IDisposable
{
    public string Results { get; } = Directory.CreateTempSubdirectory("tangentkit-notebooks-").FullName;
    public void Dispose() => Directory.Delete(Results, recursive: true);
}

/// Every notebook runs headless with the tiny preset through tangent-notebook; any failing cell fails the suite.
public sealed class NotebookTests(NotebookResultsFixture fixture, ITestOutputHelper output)
    : IClassFixture<NotebookResultsFixture>
{
    static string NotebooksFolder => Path.Combine(RepositoryPaths.Root, "notebooks");

    public static IEnumerable<object[]> Notebooks() =>
        Directory.GetFiles(NotebooksFolder, "*.ipynb", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(p => new object[] { Path.GetRelativePath(NotebooksFolder, p) });

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Runs_headless_with_the_tiny_preset(string notebook)
    {
        var executedFolder = Path.Combine(RepositoryPaths.Root, "artifacts", "notebooks");
        var (exitCode, log) = Run(Runner(), [Path.Combine(NotebooksFolder, notebook), "--preset", "tiny",
            "--param", $"results={fixture.Results}", "--out", executedFolder, "--timeout-per-cell", "600"]);
        output.WriteLine(log);
        Assert.True(exitCode == 0, $"{notebook} failed (exit {exitCode}):\n{log}");

        var executed = Path.Combine(executedFolder, Path.GetFileNameWithoutExtension(notebook) + ".ipynb");
        using var doc = JsonDocument.Parse(File.ReadAllText(executed));
        Assert.Equal(4, doc.RootElement.GetProperty("nbformat").GetInt32());
        var outputs = doc.RootElement.GetProperty("cells").EnumerateArray()
            .SelectMany(c => c.TryGetProperty("outputs", out var o) ? o.EnumerateArray() : []).ToList();
        Assert.DoesNotContain(outputs, o => o.GetProperty("output_type").GetString() == "error");
        var texts = outputs.Select(Text).ToList();
        // the checker rejects the unfinished exercise and accepts the solution
        if (notebook.StartsWith("exercises"))
            Assert.Contains(texts,
                t => t.Contains(notebook.EndsWith(".solution.ipynb") ? "✓ correct" : "✗ not yet"));
        OfflineOutputs.AssertDrawOffline(OfflineOutputs.Outputs(doc), notebook);
        Assert.True(File.Exists(Path.ChangeExtension(executed, ".html")),
            $"{notebook}: no HTML page next to {executed}");
    }

    [Fact]
    public void An_executed_notebook_draws_offline_and_becomes_a_page_that_the_report_links()
    {
        using var temp = new TempFolder();
        var results = temp.Path;
        var store = new ResultStore(results, "tiny", "notebook-pages");
        Assert.DoesNotContain("notebooks/", File.ReadAllText(ReportIndex.Write(store, "report", "before")));

        // With a results folder and no --out, the executed copies go to <results>/notebooks/.
        var (exitCode, log) = Run(Runner(), [Path.Combine(NotebooksFolder, "00-quickstart.ipynb"), "--preset", "tiny",
            "--param", $"results={results}", "--timeout-per-cell", "600"]);
        output.WriteLine(log);
        Assert.True(exitCode == 0, $"00-quickstart failed (exit {exitCode}):\n{log}");
        var folder = Path.Combine(results, "notebooks");
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "00-quickstart.ipynb")));
        var outputs = OfflineOutputs.Outputs(doc);
        Assert.Equal(1, OfflineOutputs.AssertDrawOffline(outputs, "00-quickstart"));

        // The notebook's chart output alone, opened with the network closed, draws with its inline plotly.js.
        var chart = outputs.Single(o => o.GetValueOrDefault("text/html", "").Contains("Plotly.newPlot"));
        var chartPage = Path.Combine(temp.Path, "chart-output.html");
        File.WriteAllText(chartPage, $"<!doctype html><html><body>{chart["text/html"]}</body></html>");
        if (OfflineOutputs.RenderedDom(chartPage) is { } chartDom)
            Assert.Contains("class=\"main-svg\"", chartDom);

        // The page: markdown as HTML, code escaped, outputs inline, plotly.js from the file beside it.
        var page = File.ReadAllText(Path.Combine(folder, "00-quickstart.html"));
        OfflineOutputs.AssertNoRemoteReference(page, "00-quickstart.html");
        Assert.Matches("<h1[^>]*>00 — Quickstart: task vectors and linearization</h1>", page);
        Assert.Matches("<h2[^>]*>Task arithmetic</h2>", page);
        Assert.Contains("<strong>tangent space</strong>", page);
        Assert.Contains("(IReadOnlyList&lt;double&gt;)grid", page);
        Assert.Contains("<table class=\"result\">", page);
        Assert.DoesNotContain(OfflineOutputs.PlotlyJs, page);
        Assert.Contains("<script src=\"plotly.min.js\"></script>", page);
        Assert.Equal(OfflineOutputs.PlotlyJs, File.ReadAllText(Path.Combine(folder, "plotly.min.js")));
        Assert.True(page.Length < 500_000, $"the page is {page.Length} characters: it carries plotly.js inline");
        if (OfflineOutputs.RenderedDom(Path.Combine(folder, "00-quickstart.html")) is { } pageDom)
            Assert.Contains("class=\"main-svg\"", pageDom);

        var index = File.ReadAllText(ReportIndex.Write(store, "report", "after"));
        Assert.Matches("<a href=\"notebooks/00-quickstart.html\">00 — Quickstart: task vectors and linearization</a>",
            index);
        Assert.Contains("<a href=\"notebooks/00-quickstart.ipynb\">", index);
    }

    [Fact]
    public void The_runner_stops_at_the_first_failing_cell_reports_it_and_exits_non_zero()
    {
        using var temp = new TempFolder();
        var folder = temp.Path;
        var notebook = Path.Combine(folder, "broken.dib");
        File.WriteAllText(notebook, "#!csharp\n\nvar answer = 6 * 7;\nanswer\n\n" +
            "#!csharp\n\nthrow new InvalidOperationException(\"cell two breaks\");\n\n" +
            "#!csharp\n\n\"never runs\"\n");
        var (exitCode, log) = Run(Runner(), [notebook, "--out", folder]);
        Assert.Equal(1, exitCode);
        Assert.Contains("cell 2 failed", log);
        Assert.Contains("cell two breaks", log);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "broken.ipynb")));
        var cells = doc.RootElement.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(3, cells.Count);
        Assert.Contains("42", Text(cells[0].GetProperty("outputs")));
        Assert.Equal("error", cells[1].GetProperty("outputs")[0].GetProperty("output_type").GetString());
        Assert.Equal(0, cells[2].GetProperty("outputs").GetArrayLength());
    }

    [Fact]
    public void The_runner_enforces_the_per_cell_timeout()
    {
        using var temp = new TempFolder();
        var folder = temp.Path;
        var notebook = Path.Combine(folder, "slow.dib");
        File.WriteAllText(notebook, "#!csharp\n\nSystem.Threading.Thread.Sleep(60_000);\n");
        var (exitCode, log) = Run(Runner(), [notebook, "--timeout-per-cell", "3"]);
        Assert.Equal(1, exitCode);
        Assert.Contains("timed out after 3s", log);                           // the cell's own 60 s never completed
    }

    [Fact]
    public void Notebook_package_versions_are_those_of_Directory_Packages_props()
    {
        var props = XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Packages.props"))
            .Descendants("PackageVersion")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!,
                StringComparer.OrdinalIgnoreCase);
        var references = Directory.GetFiles(NotebooksFolder, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".dib") || f.EndsWith(".ipynb"))
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), "#r \\\\?\"nuget: *([^,\"\\\\]+), *([^\"\\\\]+)\\\\?\"")
                .Select(m => (File: f, Name: m.Groups[1].Value.Trim(), Version: m.Groups[2].Value.Trim())))
            .ToList();
        Assert.Contains(references, r => r.Name == "TorchSharp");
        foreach (var r in references)
        {
            Assert.True(props.TryGetValue(r.Name, out var pinned),
                $"{r.File}: {r.Name} is not in Directory.Packages.props");
            Assert.True(pinned == r.Version, $"{r.File}: {r.Name} {r.Version}, Directory.Packages.props pins {pinned}");
        }
    }

    [Fact]
    public void Committed_notebooks_carry_no_outputs()
    {
        foreach (var path in Directory.GetFiles(NotebooksFolder, "*.ipynb", SearchOption.AllDirectories))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
                if (cell.TryGetProperty("outputs", out var outputs))
                    Assert.True(outputs.GetArrayLength() == 0, $"{path} is committed with outputs");
        }
    }

    sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("tangentkit-runner-").FullName;
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }

    // All strings inside an output (its data may be a string or a list of lines per MIME type).
    static string Text(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Array => string.Concat(e.EnumerateArray().Select(Text)),
        JsonValueKind.Object => string.Concat(e.EnumerateObject().Select(p => Text(p.Value))),
        _ => "",
    };

    // The runner is a solution project; built here if a test-only build skipped it.
    internal static string Runner()
    {
        var project = Path.Combine(RepositoryPaths.Root, "src", "TangentKit.Notebooks");
        var binary = Path.Combine(project, "bin", RepositoryPaths.Configuration, "net10.0", "tangent-notebook");
        if (!File.Exists(binary))
        {
            var (code, log) = Run("dotnet",
                ["build", project, "-c", RepositoryPaths.Configuration, "--nologo", "-v", "quiet"]);
            Assert.True(code == 0 && File.Exists(binary), $"could not build the notebook runner:\n{log}");
        }
        return binary;
    }

    internal static (int ExitCode, string Log) Run(string file, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(file)
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) psi.Environment[name] = value;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }
}
