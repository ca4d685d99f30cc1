using System.Diagnostics;
using System.Text.Json.Nodes;
using TangentKit.Experiments;
using Xunit.Abstractions;

namespace TangentKit.Tests.Notebooks;

/// One results folder for the twins and one for the notebooks, each shared by every case below, so that each side
/// fine-tunes the tiny runs once (as a reader running the twins or notebooks one after another); removed afterwards.
public sealed class ScriptTwinFolders : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("tangentkit-twins-").FullName;
    public string Twins => Path.Combine(_root, "twins");
    public string Notebooks => Path.Combine(_root, "notebooks");
    public void Dispose() => Directory.Delete(_root, recursive: true);
}

/// Every numbered notebook has a `dotnet run` script twin (notebooks/NN-name.cs). Each twin runs with the tiny preset,
/// and the experiment files the twins write equal those their notebooks write through tangent-notebook, run separately
/// into another folder.
public sealed class ScriptTwinTests(ScriptTwinFolders folders, ITestOutputHelper output)
    : IClassFixture<ScriptTwinFolders>
{
    static string NotebooksFolder => Path.Combine(RepositoryPaths.Root, "notebooks");

    // File stems in notebooks/ (not its subfolders), numbered ones only unless asked otherwise.
    static IEnumerable<string> Stems(string extension, bool numberedOnly = true) =>
        Directory.GetFiles(NotebooksFolder, "*" + extension, SearchOption.TopDirectoryOnly)
            .Select(p => Path.GetFileNameWithoutExtension(p))
            .Where(s => !numberedOnly || s.Length > 3 && char.IsAsciiDigit(s[0]) && char.IsAsciiDigit(s[1])
                && s[2] == '-')
            .Order(StringComparer.Ordinal);

    public static IEnumerable<object[]> Twins() => Stems(".cs").Select(s => new object[] { s });

    [Fact]
    public void Every_numbered_notebook_has_a_twin_and_every_twin_a_notebook()
    {
        var notebooks = Stems(".ipynb").ToList();
        Assert.NotEmpty(notebooks);
        Assert.Equal(notebooks, Stems(".cs"));
        // and no other script beside them
        Assert.Equal(notebooks, Stems(".cs", numberedOnly: false));
    }

    [Theory]
    [MemberData(nameof(Twins))]
    public void Runs_with_the_tiny_preset_and_writes_the_files_of_its_notebook(string name)
    {
        var (twinResults, notebookResults) = (folders.Twins, folders.Notebooks);
        var clock = Stopwatch.StartNew();
        var (code, log) = NotebookTests.Run("dotnet",
            ["run", Path.Combine(NotebooksFolder, name + ".cs"), "--preset", "tiny", "--results", twinResults], NoPng);
        output.WriteLine($"twin: {clock.Elapsed.TotalSeconds:F1} s\n{log}");
        Assert.True(code == 0, $"{name}.cs failed (exit {code}):\n{log}");
        Assert.Contains("preset tiny", log);

        clock.Restart();
        var notebook = Path.Combine(NotebooksFolder, name + ".ipynb");
        (code, log) = NotebookTests.Run(NotebookTests.Runner(),
            [notebook, "--preset", "tiny", "--param", $"results={notebookResults}"]);
        output.WriteLine($"notebook: {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(code == 0, $"{name}.ipynb failed (exit {code}):\n{log}");

        // the notebooks' result files so far, each equal in the twins' folder
        foreach (var file in Directory.GetFiles(notebookResults, "*.json"))
        {
            var twinFile = Path.Combine(twinResults, Path.GetFileName(file));
            Assert.True(File.Exists(twinFile), $"after {name}.cs the twins have not written {Path.GetFileName(file)}");
            AssertSameResult(file, twinFile);
        }
        // and, as `tangent <verb>`, the CSV and report of every experiment the registry shows in this notebook
        var experiments = ExperimentRegistry.All.Where(e => e.Notebook == $"notebooks/{name}.ipynb").ToList();
        foreach (var e in experiments)
            foreach (var extension in new[] { ".json", ".csv" })
                Assert.True(File.Exists(Path.Combine(twinResults, e.Stem + extension)),
                    $"{name}.cs: {e.Stem}{extension}");
        if (experiments.Count > 0)
            Assert.All(experiments, e => Assert.Contains($"id=\"{e.Stem}\"",
                File.ReadAllText(Path.Combine(twinResults, "index.html"))));
    }

    // PNG figures (headless Chromium, seconds each) are the report's business, tested with it; not compared here.
    static readonly Dictionary<string, string> NoPng = new() { ["TANGENTKIT_CHROMIUM"] = "/nonexistent/chromium" };

    [Fact]
    public void A_twin_refuses_a_bad_option_naming_it_with_exit_code_2()
    {
        var twin = Path.Combine(NotebooksFolder, "03-figure2-post-hoc-linearization.cs");
        var (code, log) = NotebookTests.Run("dotnet", ["run", twin, "--preset", "huge"]);
        Assert.Equal(2, code);
        Assert.Contains("--preset: unknown preset 'huge'", log);
        Assert.Contains("--results DIR", log);
    }

    // Same content but the time of writing. The cost experiment's times and memory are measurements, compared by name
    // only. The NTK's kernel and eigendecomposition are not bit-reproducible even between two runs of its notebook
    // (measured: eigenvalues differ by 1e-7 relative, local energies by 2e-6), so its numbers and the summary's, which
    // include them, agree to 1e-4; every other number must be identical.
    static void AssertSameResult(string expectedPath, string actualPath)
    {
        var (expected, actual) = (JsonNode.Parse(File.ReadAllText(expectedPath))!.AsObject(),
            JsonNode.Parse(File.ReadAllText(actualPath))!.AsObject());
        expected.Remove("Created");
        actual.Remove("Created");
        var stem = Path.GetFileNameWithoutExtension(expectedPath);
        if (stem == ExperimentRegistry.Stem(Experiment.Cost))
            foreach (var result in new[] { expected["Result"]!.AsObject(), actual["Result"]!.AsObject() })
                foreach (var key in result.Select(p => p.Key).Where(k => k != "Case").ToList())
                    result[key] = "measured";
        bool withNtk = stem == ExperimentRegistry.Stem(Experiment.Ntk) || stem == ExperimentRegistry.Stem(
            Experiment.Verdicts);
        var difference = FirstDifference(expected, actual, withNtk ? 1e-4 : 0, "");
        Assert.True(difference is null, $"{Path.GetFileName(actualPath)} differs from the notebook's at {difference}");
    }

    // The path of the first value that differs (numbers by more than tolerance × max(1, |a|, |b|)), or null.
    static string? FirstDifference(JsonNode? a, JsonNode? b, double tolerance, string path)
    {
        switch (a, b)
        {
            case (JsonObject x, JsonObject y):
                if (!x.Select(p => p.Key).Order().SequenceEqual(y.Select(p => p.Key).Order())) return $"{path} (keys)";
                return x.Select(p => FirstDifference(p.Value, y[p.Key], tolerance, $"{path}.{p.Key}"))
                    .FirstOrDefault(d => d is not null);
            case (JsonArray x, JsonArray y):
                if (x.Count != y.Count) return $"{path} (length {x.Count} vs {y.Count})";
                return x.Select((v, i) => FirstDifference(v, y[i], tolerance, $"{path}[{i}]"))
                    .FirstOrDefault(d => d is not null);
            case (JsonValue x, JsonValue y) when x.TryGetValue(out double u) && y.TryGetValue(out double v):
                return u == v || Math.Abs(u - v) <= tolerance * Math.Max(1, Math.Max(Math.Abs(u), Math.Abs(v)))
                    ? null : $"{path}: notebook {u:R}, twin {v:R}";
            default:
                return JsonNode.DeepEquals(a, b) ? null
                    : $"{path}: notebook {a?.ToJsonString()}, twin {b?.ToJsonString()}";
        }
    }
}
