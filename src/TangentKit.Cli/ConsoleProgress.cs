using Spectre.Console;
using TangentKit.Experiments;

namespace TangentKit.Cli;

/// Experiment progress as Spectre.Console bars (with ETA) in a terminal, as plain lines otherwise.
sealed class ConsoleProgress(ProgressContext? context) : IExperimentProgress
{
    readonly Dictionary<string, ProgressTask> _bars = [];
    readonly LineProgress _lines = new(line => AnsiConsole.MarkupLine(Markup.Escape(line)));

    public void Message(string text)
    {
        if (context is null) _lines.Message(text);
        else AnsiConsole.MarkupLine($"[grey]{Markup.Escape(text)}[/]");
    }

    public void Report(string label, double done, double total)
    {
        if (context is null) { _lines.Report(label, done, total); return; }
        if (!_bars.TryGetValue(label, out var bar))
            _bars[label] = bar = context.AddTask(Markup.Escape(label), maxValue: total);
        bar.MaxValue = total;
        bar.Value = Math.Min(done, total);
        if (done >= total) bar.StopTask();
    }

    /// Runs <paramref name="work"/> with live bars when stdout is a terminal.
    public static T Run<T>(Func<IExperimentProgress, T> work)
    {
        if (Console.IsOutputRedirected) return work(new ConsoleProgress(null));
        return AnsiConsole.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx => work(new ConsoleProgress(ctx)));
    }
}
