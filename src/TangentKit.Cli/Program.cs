using System.CommandLine;
using TangentKit.Cli;

// tangent: the TangentKit command line. Every verb is a thin shell over the library.
var root = new RootCommand(
    "tangent — task arithmetic in the tangent space (Ortiz-Jimenez et al., NeurIPS 2023) on TorchSharp");
foreach (var command in ReproduceCommand.Create()) root.Subcommands.Add(command);
root.Subcommands.Add(FetchCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(ZeroShotCommands.Tokenize());
root.Subcommands.Add(ZeroShotCommands.Heads());
root.Subcommands.Add(DatasetsCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
return root.Parse(args).Invoke();
