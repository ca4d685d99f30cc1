using System.CommandLine;
using Spectre.Console;
using TorchSharp;

namespace TangentKit.Cli;

/// `tangent info`: where the natives came from, threads, versions.
static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info",
            "Show how TorchSharp's natives were loaded, the libtorch version and the thread count.");
        command.SetAction(_ =>
        {
            var report = Startup.Torch(Environment.ProcessorCount);
            var table = new Table().AddColumns("what", "value");
            table.AddRow("natives", Markup.Escape(report));
            table.AddRow("libtorch", torch.__version__);
            table.AddRow("threads", torch.get_num_threads().ToString());
            table.AddRow("cuda available", torch.cuda.is_available().ToString());
            table.AddRow("cache", Markup.Escape(IO.KitCache.Root));
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
