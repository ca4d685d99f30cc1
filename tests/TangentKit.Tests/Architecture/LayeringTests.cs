using System.Text.RegularExpressions;

namespace TangentKit.Tests.Architecture;

/// The library's folders form the layer map of the design (dependencies point down only), read from the code itself:
/// every `using TangentKit.X` and every qualified `TangentKit.X.` or `X.Member` reference to another folder.
public sealed class LayeringTests
{
    // Rank of each folder of src/TangentKit: a folder may use folders of a lower rank only (equal ranks are siblings).
    static readonly Dictionary<string, int> Rank = new()
    {
        ["IO"] = 0,
        ["Native"] = 1, ["Autodiff"] = 1, ["Data"] = 1,
        ["Models"] = 2,
        ["Linearization"] = 3,
        ["TaskVectors"] = 4, ["Kernels"] = 4,
        ["Training"] = 5,
        ["Evaluation"] = 6, ["Reporting"] = 6,
        ["Benchmarks"] = 7,
        ["Experiments"] = 8,
    };

    static string Library => Path.Combine(RepositoryPaths.Root, "src", "TangentKit");

    // A reference to a folder's namespace: `TangentKit.Models.ResNet`, `Models.OnnxReader` (not `suite.Data.Tasks`).
    static readonly Regex Qualified = new($@"(?<![\w.])(?:TangentKit\.)?({string.Join("|", Rank.Keys)})\.[A-Z]\w*");

    /// (folder, folder it uses, file) for every cross-folder reference in the library.
    static IEnumerable<(string From, string To, string File)> References()
    {
        var usingLine = new Regex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?TangentKit\.(\w+)",
            RegexOptions.Multiline);
        foreach (var file in Directory.GetFiles(Library, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Library, file);
            if (relative.StartsWith("obj") || relative.StartsWith("bin")) continue;
            var folder = relative.Split(Path.DirectorySeparatorChar)[0];
            if (!folder.EndsWith(".cs") && !Rank.ContainsKey(folder)) yield return (folder, "?", relative);
            var code = string.Join("\n",
                File.ReadLines(file).Select(l => Regex.Replace(l, "//.*$",
                "")).Where(l => !l.TrimStart().StartsWith("///")));
            code = Regex.Replace(code, "\"(?:[^\"\\\\]|\\\\.)*\"",
                "\"\"");                // string literals name no folder
            var used = usingLine.Matches(code).Select(m => m.Groups[1].Value)
                .Concat(Qualified.Matches(code).Select(m => m.Groups[1].Value));
            foreach (var to in used.Distinct().Where(u => u != folder && Rank.ContainsKey(u)))
                yield return (folder, to, relative);
        }
    }

    [Fact]
    public void Every_library_folder_is_on_the_layer_map()
    {
        var unknown = References().Where(r => r.To == "?").Select(r => $"{r.From} ({r.File})").Distinct().ToList();
        Assert.True(unknown.Count == 0, "folders missing from the layer map: " + string.Join(", ", unknown));
        Assert.True(Rank.Keys.Count(k => Directory.Exists(Path.Combine(Library, k))) >= 12,
            "the library's folders were not found");
    }

    [Fact]
    public void Library_dependencies_point_down_the_layer_map()
    {
        var refs = References().Where(r => r.To != "?").ToList();
        Assert.True(refs.Count > 50, $"only {refs.Count} cross-folder references were found: the scan is broken");
        var violations = refs.Where(r => Rank[r.To] >= Rank[r.From])
            .Select(r => $"{r.File}: {r.From} (layer {Rank[r.From]}) uses {r.To} (layer {Rank[r.To]})").ToList();
        Assert.True(violations.Count == 0, "upward or sideways dependencies:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void Folder_dependencies_have_no_cycle()
    {
        var edges = References().Where(r => r.To != "?").Select(r => (r.From, r.To)).Distinct()
            .GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).ToList());
        var state = new Dictionary<string, int>();                  // 1 = on the current path, 2 = done
        string? Visit(string node, List<string> path)
        {
            if (state.GetValueOrDefault(node) == 2) return null;
            if (state.GetValueOrDefault(node) == 1) return string.Join(" → ",
                path.SkipWhile(p => p != node).Append(node));
            state[node] = 1;
            path.Add(node);
            foreach (var next in edges.GetValueOrDefault(node, []))
                if (Visit(next, path) is { } cycle) return cycle;
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in edges.Keys)
        {
            var cycle = Visit(node, []);
            Assert.True(cycle is null, $"circular folder dependency: {cycle}");
        }
    }

    [Fact]
    public void The_scan_detects_an_upward_reference()
    {
        // The scanner itself, on snippets: a qualified name of another folder is found, a member access is not.
        Assert.Equal("Experiments", Qualified.Match("var s = TangentKit.Experiments.Preset.Mini;").Groups[1].Value);
        Assert.Equal("Reporting", Qualified.Match("x = Reporting.Figures.Bars(").Groups[1].Value);
        Assert.DoesNotMatch(Qualified, "var d = suite.Data.Control;");
    }
}
