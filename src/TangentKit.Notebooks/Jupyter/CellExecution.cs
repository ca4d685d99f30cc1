using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace TangentKit.Notebooks.Jupyter;

/// <summary>The outcome of one executed cell: null on success, else the error as Jupyter shows it.</summary>
sealed record CellError(string Name, string Value, IReadOnlyList<string> Traceback)
{
    /// <summary>The error as the content of an <c>error</c> message (and of a failed <c>execute_reply</c>).</summary>
    public JsonObject ToContent() => new()
    {
        ["ename"] = Name,
        ["evalue"] = Value,
        ["traceback"] = new JsonArray(Traceback.Select(t => (JsonNode)t).ToArray()),
    };
}

/// <summary>
/// Runs one cell in the .NET Interactive kernel and turns its events into iopub messages as they happen: console
/// output into <c>stream</c>, displays into <c>display_data</c> (progress displays into
/// <c>update_display_data</c>), the cell's value into <c>execute_result</c>.
/// </summary>
static class CellExecution
{
    /// <summary>
    /// Executes <paramref name="code"/>; <paramref name="publish"/> receives each iopub message type and content.
    /// Cancelling <paramref name="interrupt"/> fails the cell at once and signals
    /// <c>KernelInvocationContext.CancellationToken</c>, which the kit's long computations check between steps.
    /// </summary>
    public static async Task<CellError?> RunAsync(CompositeKernel kernel, string code, int executionCount,
        Action<string, JsonObject> publish, CancellationToken interrupt)
    {
        var command = new SubmitCode(code);
        CellError? produced = null;
        var gate = new object();
        using var subscription = kernel.KernelEvents.Subscribe(e =>
        {
            // Never write to Console here: the kernel captures it and would turn the text into more events.
            lock (gate)
            {
                switch (e)
                {
                    case StandardOutputValueProduced so:
                        publish("stream", new() { ["name"] = "stdout", ["text"] = Text(so) });
                        break;
                    case StandardErrorValueProduced se:
                        publish("stream", new() { ["name"] = "stderr", ["text"] = Text(se) });
                        break;
                    case DisplayedValueUpdated du when du.ValueId is not null:
                        publish("update_display_data", DisplayContent(du));
                        break;
                    case DisplayedValueProduced dp:
                        publish("display_data", DisplayContent(dp));
                        break;
                    case ReturnValueProduced { Value: not DisplayedValue } rv:
                        var result = DisplayContent(rv);
                        result.Remove("transient");
                        result["execution_count"] = executionCount;
                        publish("execute_result", result);
                        break;
                    case ErrorProduced ep:                       // e.g. an error inside an #!import-ed file
                        produced ??= new CellError("Error", ep.Message, ep.Message.Split('\n'));
                        publish("error", produced.ToContent());
                        break;
                }
            }
        });

        KernelCommandResult outcome;
        try { outcome = await kernel.SendAsync(command, interrupt); }
        catch (OperationCanceledException) { return Interrupted(publish); }
        lock (gate)
        {
            var failed = outcome.Events.OfType<CommandFailed>().FirstOrDefault(f => f.Command == command)
                ?? outcome.Events.OfType<CommandFailed>().FirstOrDefault();
            if (failed is null) return produced;
            if (interrupt.IsCancellationRequested) return Interrupted(publish);
            // The failure's message is the exception's text with its stack (for a compile error: the C# diagnostics,
            // one per line): each line becomes a traceback line; evalue is the exception's own message.
            var error = new CellError(failed.Exception?.GetType().Name ?? "Error",
                failed.Exception?.Message ?? failed.Message, failed.Message.TrimEnd().Split('\n'));
            publish("error", error.ToContent());
            return error;
        }
    }

    static CellError Interrupted(Action<string, JsonObject> publish)
    {
        var error = new CellError("Interrupted",
            "the cell was interrupted; the kit's computations stop at their next step, and their runs resume " +
            "from the last checkpoint", ["Interrupted: the cell was interrupted"]);
        publish("error", error.ToContent());
        return error;
    }

    static string Text(DisplayEvent e) => e.FormattedValues.FirstOrDefault()?.Value ?? "";

    /// <summary>
    /// A display's content: one entry per MIME type (JSON types as JSON, the rest as text; PNG arrives base64), and
    /// the display id that later updates refer to.
    /// </summary>
    public static JsonObject DisplayContent(DisplayEvent e)
    {
        var data = new JsonObject();
        foreach (var value in CellRunner.Shown(e)) data[value.MimeType] = MimeValue(value);
        var content = new JsonObject { ["data"] = data, ["metadata"] = new JsonObject() };
        if (e.ValueId is not null) content["transient"] = new JsonObject { ["display_id"] = e.ValueId };
        return content;
    }

    static JsonNode? MimeValue(FormattedValue value)
    {
        if (value.MimeType == "application/json" || value.MimeType.EndsWith("+json"))
        {
            try { return JsonNode.Parse(value.Value); }
            catch (JsonException) { }
        }
        return value.Value;
    }
}
