using TangentKit.Experiments;
using TangentKit.Tests.Notebooks;

namespace TangentKit.Tests.Cli;

/// `tangent reproduce --preset paper` as a user runs it without the CLIP weights or the datasets: exit code 2 and a
/// message naming each missing input (or the path that does not exist), before anything is loaded. The environment
/// variables the inputs fall back to are cleared or set here.
public sealed class PaperReproduceVerbTests : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("tk-paper-verb-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    static readonly Dictionary<string, string> NoInputs = new()
    {
        [PaperInputs.WeightsVariable] = "", [PaperInputs.DataVariable] = "", [PaperInputs.VocabularyVariable] = "",
    };

    (int Code, string Log) Reproduce(IEnumerable<string> args, Dictionary<string, string>? environment = null)
    {
        var (code, log) = NotebookTests.Run(TextVerbTests.Tangent(),
            ["reproduce", "--preset", "paper", "--out", Path.Combine(_folder, "results"), .. args],
            environment ?? NoInputs);
        return (code, log.Replace("\n", ""));                        // the console may wrap long lines
    }

    [Fact]
    public void Missing_weights_and_data_are_both_named()
    {
        var (code, log) = Reproduce([]);
        Assert.Equal(2, code);
        Assert.Contains("--weights FILE", log);
        Assert.Contains(PaperInputs.WeightsVariable, log);
        Assert.Contains("--data DIR", log);
        Assert.Contains(PaperInputs.DataVariable, log);
        Assert.False(Directory.Exists(Path.Combine(_folder, "results")));

        var weights = Path.Combine(_folder, "clip.pt");
        File.WriteAllBytes(weights, [1, 2, 3]);
        (code, log) = Reproduce(["--weights", weights]);
        Assert.Equal(2, code);
        Assert.Contains("--data DIR", log);
        Assert.DoesNotContain("--weights FILE", log);
    }

    [Fact]
    public void A_weights_file_or_data_folder_that_does_not_exist_is_named_with_its_path()
    {
        var absent = Path.Combine(_folder, "absent", "ViT-B-32.pt");
        var (code, log) = Reproduce(["--weights", absent, "--data", _folder]);
        Assert.Equal(2, code);
        Assert.Contains("--weights", log);
        Assert.Contains(absent, log);

        // The data root from its environment variable, when --data is not given.
        var weights = Path.Combine(_folder, "clip.pt");
        File.WriteAllBytes(weights, [1, 2, 3]);
        var noData = Path.Combine(_folder, "no-data");
        (code, log) = Reproduce(["--weights", weights],
            new Dictionary<string, string>(NoInputs) { [PaperInputs.DataVariable] = noData });
        Assert.Equal(2, code);
        Assert.Contains("--data", log);
        Assert.Contains(noData, log);
    }
}
