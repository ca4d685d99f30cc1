using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace TangentKit.Tests.Notebooks;

/// <summary>
/// The kit's kernelspec installed into a temporary prefix, as a reader would with
/// <c>tangent-notebook kernel install --prefix P</c>; Jupyter finds it through <c>JUPYTER_PATH</c>.
/// </summary>
public sealed class JupyterPrefixFixture : IDisposable
{
    /// <summary>The prefix; the kernelspec lives in PREFIX/share/jupyter/kernels/tangentkit-csharp.</summary>
    public string Prefix { get; } = Directory.CreateTempSubdirectory("tangentkit-jupyter-").FullName;

    /// <summary>Results shared by the notebooks run through Jupyter, so tiny fine-tuning runs happen once.</summary>
    public string Results { get; } = Directory.CreateTempSubdirectory("tangentkit-jupyter-results-").FullName;

    /// <summary>Installs the kernelspec (and fails with the reason when Debian's Jupyter is missing).</summary>
    public JupyterPrefixFixture()
    {
        var (code, log) = Jupyter.Run(NotebookTests.Runner(), ["kernel", "install", "--prefix", Prefix]);
        if (code != 0) throw new InvalidOperationException($"kernel install failed ({code}):\n{log}");
    }

    /// <summary>JUPYTER_PATH for a client that must find this kernelspec.</summary>
    public string JupyterPath => Path.Combine(Prefix, "share", "jupyter");

    /// <summary>Removes the prefix and the shared results.</summary>
    public void Dispose()
    {
        Directory.Delete(Prefix, recursive: true);
        Directory.Delete(Results, recursive: true);
    }
}

/// <summary>Debian's Jupyter tools, which the tests use as the independent client of the kernel.</summary>
static class Jupyter
{
    /// <summary>The Debian Python that sees jupyter_client (the python3 on PATH may be another build).</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>Debian's jupyter command.</summary>
    public const string Command = "/usr/bin/jupyter";

    /// <summary>Fails with what to install when Debian's Jupyter client or nbconvert is missing.</summary>
    public static void Require()
    {
        var (code, _) = Run(Python, ["-c", "import jupyter_client, nbclient, nbconvert"]);
        Assert.True(File.Exists(Command) && code == 0,
            "these tests drive the kit's kernel through Debian's Jupyter: apt-get install jupyter-nbconvert " +
            "python3-nbclient jupyter-client python3-jupyter-client (bash .ci/run installs them)");
    }

    /// <summary>Runs a program to its end; returns its exit code and its stdout followed by its stderr.</summary>
    public static (int ExitCode, string Log) Run(string file, IEnumerable<string> args,
        IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file)
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) psi.Environment[name] = value;
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }
}

/// <summary>
/// The kernel seen from <c>jupyter_client</c>, the protocol's reference client: execution and its outputs, errors,
/// interrupts (a plain loop and the kit's fine-tuning), signatures, editor requests, restart and shutdown.
/// </summary>
public sealed class JupyterKernelTests(JupyterPrefixFixture jupyter, ITestOutputHelper output)
    : IClassFixture<JupyterPrefixFixture>
{
    static string NotebooksFolder => Path.Combine(RepositoryPaths.Root, "notebooks");

    [Theory]
    [InlineData("execute")]
    [InlineData("errors")]
    [InlineData("interrupt")]
    [InlineData("interrupt_training")]
    [InlineData("signatures")]
    [InlineData("language")]
    [InlineData("restart_shutdown")]
    public void Jupyter_client_check(string check)
    {
        Jupyter.Require();
        var script = Path.Combine(RepositoryPaths.Root, "tests", "TangentKit.Tests", "Notebooks",
            "jupyter_protocol.py");
        var (code, log) = Jupyter.Run(Jupyter.Python, [script, check], new Dictionary<string, string>
        {
            ["JUPYTER_PATH"] = jupyter.JupyterPath,
            ["TANGENTKIT_NOTEBOOKS"] = NotebooksFolder,
            ["TANGENTKIT_PRESET"] = "tiny",
            ["TANGENTKIT_RESULTS"] = jupyter.Results,
        });
        output.WriteLine(log);
        Assert.True(code == 0, $"jupyter_protocol.py {check} failed (exit {code}):\n{log}");
        Assert.Contains($"{check}: ok", log);
        if (check == "signatures")         // two messages signed with another key, two unsigned: each dropped
            Assert.Equal(4, log.Split('\n').Count(l => l.Contains("dropped a message: signature does not match")));
    }

    [Fact]
    public void Install_writes_a_kernelspec_that_Jupyter_lists_and_uninstall_removes_it()
    {
        Jupyter.Require();
        var prefix = Directory.CreateTempSubdirectory("tangentkit-kernelspec-").FullName;
        try
        {
            var env = new Dictionary<string, string> { ["JUPYTER_PATH"] = Path.Combine(prefix, "share", "jupyter") };
            var (code, log) = Jupyter.Run(NotebookTests.Runner(), ["kernel", "install", "--prefix", prefix]);
            Assert.True(code == 0, log);
            (code, log) = Jupyter.Run(Jupyter.Command, ["kernelspec", "list", "--json"], env);
            Assert.True(code == 0, log);
            using var listed = JsonDocument.Parse(log[..(log.LastIndexOf('}') + 1)]);
            var spec = listed.RootElement.GetProperty("kernelspecs").GetProperty("tangentkit-csharp");
            Assert.StartsWith(prefix, spec.GetProperty("resource_dir").GetString());
            var kernel = spec.GetProperty("spec");
            Assert.Equal("TangentKit (C#)", kernel.GetProperty("display_name").GetString());
            Assert.Equal("message", kernel.GetProperty("interrupt_mode").GetString());
            var argv = kernel.GetProperty("argv").EnumerateArray().Select(a => a.GetString()!).ToList();
            Assert.All(argv.TakeWhile(a => a != "kernel"), a => Assert.True(File.Exists(a), $"{a} does not exist"));
            Assert.Equal(["kernel", "-f", "{connection_file}"], argv.SkipWhile(a => a != "kernel"));

            (code, log) = Jupyter.Run(NotebookTests.Runner(), ["kernel", "uninstall", "--prefix", prefix]);
            Assert.True(code == 0, log);
            (code, log) = Jupyter.Run(Jupyter.Command, ["kernelspec", "list", "--json"], env);
            Assert.DoesNotContain("tangentkit-csharp", log);
            (code, log) = Jupyter.Run(NotebookTests.Runner(), ["kernel", "uninstall", "--prefix", prefix]);
            Assert.True(code == 1 && log.Contains("no kernelspec tangentkit-csharp"), log);
        }
        finally { Directory.Delete(prefix, recursive: true); }
    }

    [Theory]
    [InlineData("\"ip\": \"0.0.0.0\"", "key \"ip\" must be a loopback address")]
    [InlineData("\"transport\": \"ipc\"", "key \"transport\" must be \"tcp\"")]
    [InlineData("\"shell_port\": 70000", "key \"shell_port\" must be a port in 1..65535")]
    [InlineData("\"signature_scheme\": \"hmac-md5\"", "key \"signature_scheme\" must be \"hmac-sha256\"")]
    public void A_connection_file_the_kernel_must_not_serve_is_refused_by_name(string entry, string expected)
    {
        var folder = Directory.CreateTempSubdirectory("tangentkit-connection-").FullName;
        try
        {
            var entries = new Dictionary<string, string>
            {
                ["transport"] = "\"tcp\"", ["ip"] = "\"127.0.0.1\"", ["shell_port"] = "50001",
                ["iopub_port"] = "50002", ["stdin_port"] = "50003", ["control_port"] = "50004",
                ["hb_port"] = "50005", ["key"] = "\"k\"", ["signature_scheme"] = "\"hmac-sha256\"",
            };
            var (name, value) = (entry.Split(':', 2)[0].Trim().Trim('"'), entry.Split(':', 2)[1].Trim());
            entries[name] = value;
            var file = Path.Combine(folder, "kernel-test.json");
            File.WriteAllText(file, "{" + string.Join(", ", entries.Select(kv => $"\"{kv.Key}\": {kv.Value}")) + "}");
            var (code, log) = Jupyter.Run(NotebookTests.Runner(), ["kernel", "-f", file]);
            Assert.Equal(64, code);
            Assert.Contains(file, log);
            Assert.Contains(expected, log);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}

/// <summary>
/// Every notebook and exercise executed by <c>jupyter nbconvert --execute</c> against the kit's kernel (tiny preset):
/// what a reader's JupyterLab or VS Code does, cell by cell.
/// </summary>
public sealed class JupyterNotebookTests(JupyterPrefixFixture jupyter, ITestOutputHelper output)
    : IClassFixture<JupyterPrefixFixture>
{
    [Theory]
    [MemberData(nameof(NotebookTests.Notebooks), MemberType = typeof(NotebookTests))]
    public void Runs_in_Jupyter_with_the_tiny_preset(string notebook)
    {
        Jupyter.Require();
        var notebooks = Path.Combine(RepositoryPaths.Root, "notebooks");
        var executedFolder = Path.Combine(RepositoryPaths.Root, "artifacts", "notebooks-jupyter");
        var (code, log) = Jupyter.Run(Jupyter.Command, ["nbconvert", "--to", "notebook", "--execute",
            Path.Combine(notebooks, notebook), "--output-dir", executedFolder,
            "--ExecutePreprocessor.timeout=600", "--ExecutePreprocessor.startup_timeout=180"],
            new Dictionary<string, string>
            {
                ["JUPYTER_PATH"] = jupyter.JupyterPath,
                ["TANGENTKIT_PRESET"] = "tiny",
                ["TANGENTKIT_RESULTS"] = jupyter.Results,
            });
        output.WriteLine(log);
        Assert.True(code == 0, $"jupyter nbconvert --execute {notebook} failed (exit {code}):\n{log}");

        using var doc = JsonDocument.Parse(File.ReadAllText(
            Path.Combine(executedFolder, Path.GetFileNameWithoutExtension(notebook) + ".ipynb")));
        Assert.Equal("tangentkit-csharp",
            doc.RootElement.GetProperty("metadata").GetProperty("kernelspec").GetProperty("name").GetString());
        var code_cells = doc.RootElement.GetProperty("cells").EnumerateArray()
            .Where(c => c.GetProperty("cell_type").GetString() == "code").ToList();
        Assert.All(code_cells, c => Assert.Equal(JsonValueKind.Number, c.GetProperty("execution_count").ValueKind));
        var outputs = code_cells.SelectMany(c => c.GetProperty("outputs").EnumerateArray()).ToList();
        Assert.DoesNotContain(outputs, o => o.GetProperty("output_type").GetString() == "error");
        Assert.Contains(outputs, o => o.GetProperty("output_type").GetString() is "execute_result" or "display_data");
        if (notebook.StartsWith("exercises"))
            Assert.Contains(outputs, o => o.ToString().Contains(
                notebook.EndsWith(".solution.ipynb") ? "✓ correct" : "✗ not yet"));
    }
}
