using System.Diagnostics;

namespace TangentKit.Tests.Data;

/// Debian's Python with numpy, scipy and PIL: the independent writer and reader of the MAT-file, image and
/// preprocessing fixtures. A missing package fails the test with what to install (CI installs them).
static class PythonOracle
{
    public const string Python = "/usr/bin/python3";

    static readonly Lazy<string?> Missing = new(() =>
    {
        if (!File.Exists(Python)) return $"{Python} not found";
        var (code, log) = Execute(["-c", "import numpy, scipy.io, PIL.Image"], Path.GetTempPath());
        return code == 0 ? null : log;
    });

    /// Runs `script` with the working directory `dir`; returns its standard output, failing on a non-zero exit.
    public static string Run(string script, string dir)
    {
        Assert.True(Missing.Value is null, "these tests compare with numpy, scipy.io and PIL: apt-get install " +
            "python3-numpy python3-scipy python3-pil (bash .ci/run installs them). " + Missing.Value);
        var path = Path.Combine(dir, $"oracle-{Guid.NewGuid():N}.py");
        File.WriteAllText(path, script);
        var (code, log) = Execute([path], dir);
        Assert.True(code == 0, $"the Python oracle failed ({code}):\n{log}");
        return log;
    }

    static (int Code, string Log) Execute(IEnumerable<string> args, string dir)
    {
        var psi = new ProcessStartInfo(Python)
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
              WorkingDirectory = dir };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, p.ExitCode == 0 ? stdout : stdout + stderr.Result);
    }

    /// Float32 values written by numpy's `tofile` (little-endian).
    public static float[] Floats(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }
}
