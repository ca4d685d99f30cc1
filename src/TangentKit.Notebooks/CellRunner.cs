using System.Text;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace TangentKit.Notebooks;

/// Runs one cell and turns the kernel's events into notebook outputs (streams, displays updated in place, errors).
static class CellRunner
{
    public static async Task<(List<InteractiveDocumentOutputElement> Outputs, string? Error, bool TimedOut)> RunAsync(
        CompositeKernel kernel, InteractiveDocumentElement element, TimeSpan timeout)
    {
        var outputs = new List<InteractiveDocumentOutputElement>();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        string? errorProduced = null;
        var command = new SubmitCode(element.Contents, element.KernelName);
        var displayIndex = new Dictionary<string, int>();

        void FlushStreams()
        {
            if (stdout.Length > 0) { outputs.Add(new TextElement(stdout.ToString(), "stdout")); stdout.Clear(); }
            if (stderr.Length > 0) { outputs.Add(new TextElement(stderr.ToString(), "stderr")); stderr.Clear(); }
        }

        // Never write to Console from here: the kernel captures Console and would feed the text back as events.
        using var subscription = kernel.KernelEvents.Subscribe(e =>
        {
            lock (outputs)
            {
                switch (e)
                {
                    case StandardOutputValueProduced so:
                        stdout.Append(so.FormattedValues.FirstOrDefault()?.Value);
                        break;
                    case StandardErrorValueProduced se:
                        stderr.Append(se.FormattedValues.FirstOrDefault()?.Value);
                        break;
                    case DisplayedValueUpdated du
                        when du.ValueId is not null && displayIndex.TryGetValue(du.ValueId, out var at):
                        outputs[at] = Display(du);                       // progress displays keep only their last state
                        break;
                    case DisplayEvent de
                        when de is DisplayedValueProduced or ReturnValueProduced or DisplayedValueUpdated:
                        if (de is ReturnValueProduced { Value: DisplayedValue }) break;
                        FlushStreams();
                        outputs.Add(Display(de));
                        if (de.ValueId is not null) displayIndex[de.ValueId] = outputs.Count - 1;
                        break;
                    case ErrorProduced ep:                                   // e.g. an error inside an #!import-ed file
                        FlushStreams();
                        outputs.Add(new ErrorElement(ep.Message, "Error", []));
                        errorProduced ??= ep.Message;
                        break;
                }
            }
        });

        using var cts = new CancellationTokenSource(timeout);
        KernelCommandResult result;
        try { result = await kernel.SendAsync(command, cts.Token); }
        catch (OperationCanceledException)
        {
            var message = $"cell timed out after {timeout.TotalSeconds:F0}s";
            lock (outputs) { FlushStreams(); outputs.Add(new ErrorElement(message, "Timeout", [])); }
            return (outputs, message, true);
        }
        lock (outputs)
        {
            FlushStreams();
            var failed = result.Events.OfType<CommandFailed>().FirstOrDefault(f => f.Command == command)
                ?? result.Events.OfType<CommandFailed>().FirstOrDefault();
            string? error = null;
            if (failed is not null)
            {
                error = failed.Message;
                outputs.Add(new ErrorElement(failed.Message, failed.Exception?.GetType().Name ?? "Error",
                    (failed.Exception?.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries)));
            }
            return (outputs, error ?? errorProduced, false);
        }
    }

    static DisplayElement Display(DisplayEvent e)
        => new(Shown(e).ToDictionary(v => v.MimeType, v => (object)v.Value));

    /// <summary>
    /// The formatted values of a display worth showing (the runner's and the Jupyter kernel's rule): a formatter
    /// with no picture to give (a chart's PNG when Chromium fails) writes nothing, so that type is left out.
    /// </summary>
    public static IEnumerable<FormattedValue> Shown(DisplayEvent e)
        => e.FormattedValues.Where(v => !(v.MimeType.StartsWith("image/") && string.IsNullOrEmpty(v.Value)));
}
