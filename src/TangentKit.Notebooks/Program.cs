// tangent-notebook: runs C# Polyglot notebooks (.ipynb / .dib) headless with .NET Interactive, writes the executed
// .ipynb, stops at and reports the first failing cell, enforces a per-cell timeout, and exits non-zero on any error.
// `tangent-notebook kernel ...` is the kit's Jupyter kernel on the same C# kernel and packages.
using TangentKit.Notebooks;
using TangentKit.Notebooks.Jupyter;

if (args.Length > 0 && args[0] == "kernel")
{
    // The kernel logs to the real stderr (Jupyter shows it in its terminal), never into a cell's output.
    var kernelLog = new StreamWriter(Console.OpenStandardError()) { AutoFlush = true };
    return await KernelCommand.RunAsync(args[1..], Console.Out, kernelLog);
}

var options = RunnerOptions.Parse(args, Console.Error);
if (options is null) return 64;
// .NET Interactive captures Console while cells run: log through our own writers on the real stdout/stderr.
var log = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
var logErr = new StreamWriter(Console.OpenStandardError()) { AutoFlush = true };
int failures = 0;
foreach (var notebook in options.Notebooks)
{
    var result = await NotebookRunner.RunAsync(notebook, options, log, logErr);
    failures += result.FailedCells;
    log.WriteLine($"{Path.GetFileName(notebook)}: {result.Cells} cells, {result.FailedCells} failed, " +
        $"{result.Seconds:F1}s");
}
return failures == 0 ? 0 : 1;
