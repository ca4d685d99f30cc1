using System.CommandLine;
using TangentKit.Cli;

// tangent: the TangentKit command line. Every verb is a thin shell over the library.
var root = new RootCommand("tangent — task arithmetic in the tangent space (Ortiz-Jimenez et al., NeurIPS 2023) on TorchSharp");
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
return root.Parse(args).Invoke();
