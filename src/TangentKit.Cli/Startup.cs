using TangentKit.Native;
using TorchSharp;

namespace TangentKit.Cli;

/// Loads the natives and fixes the thread count before any torch call of a verb.
static class Startup
{
    public static string Torch(int threads)
    {
        if (Console.IsOutputRedirected)
            Spectre.Console.AnsiConsole.Profile.Width = Math.Max(Spectre.Console.AnsiConsole.Profile.Width, 140);
        var report = TorchNative.Prepare();
        torch.set_num_threads(threads);
        return report;
    }

    /// The device of --device, or null after printing why it cannot be used (exit code 2).
    public static torch.Device? Device(string text)
    {
        try { return Devices.Parse(text); }
        catch (ArgumentException e)
        {
            var message = e.Message.Split(" (Parameter")[0];
            Spectre.Console.AnsiConsole.MarkupLine($"[red]{Spectre.Console.Markup.Escape(message)}[/]");
            return null;
        }
    }
}
