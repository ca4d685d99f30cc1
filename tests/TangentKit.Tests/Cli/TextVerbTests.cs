using TangentKit.Data.Text;
using TangentKit.Models;
using TangentKit.Tests.Data;
using TangentKit.Tests.Notebooks;

namespace TangentKit.Tests.Cli;

/// `tangent tokenize` and `tangent heads` as a user runs them: the built command on the fixture vocabulary (ids derived
/// by hand in ClipTokenizerTests) and on a tiny generated CLIP weights file; bad input exits with code 2 and a message.
public sealed class TextVerbTests : IDisposable
{
    readonly string _folder = Path.Combine(Path.GetTempPath(), $"tk-verbs-{Guid.NewGuid():N}");
    readonly string _vocabulary;

    public TextVerbTests()
    {
        Directory.CreateDirectory(_folder);
        _vocabulary = ClipTokenizerTests.WriteFixtureVocabulary(Path.Combine(_folder, "bpe.txt.gz"));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // The command of the solution build (built here if a test-only build skipped it).
    internal static string Tangent()
    {
        var project = Path.Combine(RepositoryPaths.Root, "src", "TangentKit.Cli");
        var binary = Path.Combine(project, "bin", RepositoryPaths.Configuration, "net10.0", "tangent");
        if (!File.Exists(binary))
        {
            var (code, log) = NotebookTests.Run("dotnet",
                ["build", project, "-c", RepositoryPaths.Configuration, "--nologo", "-v", "quiet"]);
            Assert.True(code == 0 && File.Exists(binary), $"could not build the tangent command:\n{log}");
        }
        return binary;
    }

    [Fact]
    public void Tokenize_prints_one_line_of_ids_per_text()
    {
        // Hello → hello → 517 516 518; "xyz!" is two pieces, each a word: 517 | 87 88 345 | 256 | 518.
        var (code, log) = NotebookTests.Run(Tangent(), ["tokenize", "--vocab", _vocabulary, "Hello", "xyz!"]);
        Assert.True(code == 0, log);
        Assert.Equal(["517 516 518", "517 87 88 345 256 518"], log.TrimEnd('\n').Split('\n'));
        (code, log) = NotebookTests.Run(Tangent(),
            ["tokenize", "--vocab", _vocabulary, "--context-length", "5", "--pad", "hello"]);
        Assert.True(code == 0, log);
        Assert.Equal("517 516 518 0 0", log.Trim());
    }

    [Fact]
    public void Tokenize_refuses_a_missing_vocabulary_or_no_text_with_exit_code_2()
    {
        var missing = Path.Combine(_folder, "absent.txt.gz");
        var (code, log) = NotebookTests.Run(Tangent(), ["tokenize", "--vocab", missing, "hello"]);
        Assert.Equal(2, code);
        Assert.Contains(missing, log);
        (code, log) = NotebookTests.Run(Tangent(), ["tokenize", "--vocab", _vocabulary]);
        Assert.Equal(2, code);
        Assert.Contains("at least one text", log);
    }

    [Fact]
    public void Heads_writes_the_head_the_library_builds_from_the_weights_file()
    {
        // A tiny CLIP: text width 64 (one head by the width / 64 rule), the fixture's 519 ids, context 77,
        // logit_scale ln 100, and an image entry the verb must ignore.
        var config = new TextTransformer(VocabSize: 519, ContextLength: 77, Width: 64, Layers: 1, Heads: 1,
            OutputDim: 6);
        var weights = Path.Combine(_folder, "tiny-clip.safetensors");
        using (var clip = config.Initialize(5))
        {
            clip.Add("logit_scale", tensor(Math.Log(100), ScalarType.Float32));
            clip.Add("visual.proj", ones(8, 6));
            ParameterFiles.Save(clip, weights);
        }
        var output = Path.Combine(_folder, "heads", "eurosat.safetensors");
        var (code, log) = NotebookTests.Run(Tangent(), ["heads", "--weights", weights, "--vocab", _vocabulary,
            "--task", "EuroSAT", "--out", output, "--threads", "1"]);
        Assert.True(code == 0, log);
        using var written = ZeroShotHead.Load(output);
        Assert.Equal([10L, 6L], written.Weight.shape);                        // EuroSAT's ten classes
        using var norms = written.Weight.norm(1);
        Assert.True(norms.allclose(full([10], 100f), rtol: 1e-5, atol: 0), "rows must have norm exp(logit_scale)");

        using var text = ClipTextTower.Load(weights);
        using var expected = ZeroShotHead.Build(text, ClipTokenizer.Load(_vocabulary), ZeroShotPrompts.Get("eurosat"));
        Assert.True(written.Weight.allclose(expected.Weight, rtol: 1e-6, atol: 1e-5));
    }

    [Fact]
    public void Heads_refuses_an_unknown_task_or_a_missing_weights_file_with_exit_code_2()
    {
        var weights = Path.Combine(_folder, "absent.safetensors");
        var output = Path.Combine(_folder, "out.safetensors");
        var (code, log) = NotebookTests.Run(Tangent(), ["heads", "--weights", weights, "--vocab", _vocabulary,
            "--task", "cifar10", "--out", output]);
        Assert.Equal(2, code);
        Assert.Contains("cifar10", log);
        Assert.Contains("eurosat", log);                                      // the error lists the shipped tasks
        (code, log) = NotebookTests.Run(Tangent(), ["heads", "--weights", weights, "--vocab", _vocabulary,
            "--task", "mnist", "--out", output]);
        Assert.Equal(2, code);
        Assert.Contains(weights, log);
        Assert.False(File.Exists(output));
    }
}
