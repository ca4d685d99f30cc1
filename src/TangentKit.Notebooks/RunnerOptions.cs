namespace TangentKit.Notebooks;

/// Command-line options of tangent-notebook.
sealed record RunnerOptions(IReadOnlyList<string> Notebooks, string? OutputDirectory, TimeSpan CellTimeout,
    bool ContinueOnError, IReadOnlyDictionary<string, string> Parameters)
{
    const string Usage = "usage: tangent-notebook NOTEBOOK... [--out DIR (default with --preset P or --param " +
        "results=DIR: results/P/notebooks or DIR/notebooks)] [--timeout-per-cell SECONDS] " +
        "[--continue-on-error] [--preset tiny|mini] [--param NAME=VALUE]\n" +
        "       tangent-notebook kernel install|uninstall [--user | --prefix PREFIX]   (the Jupyter kernel)";

    /// Parses arguments; prints the usage and the problem and returns null when they are wrong.
    public static RunnerOptions? Parse(string[] args, TextWriter error)
    {
        var notebooks = new List<string>();
        string? outDir = null;
        double timeout = 600;
        bool continueOnError = false;
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--out": outDir = Next(); break;
                    case "--timeout-per-cell":
                        timeout = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture);
                        break;
                    case "--continue-on-error": continueOnError = true; break;
                    case "--preset": parameters["preset"] = Next(); break;
                    case "--param":
                        var kv = Next().Split('=', 2);
                        if (kv.Length != 2) throw new ArgumentException($"--param expects NAME=VALUE, got '{args[i]}'");
                        parameters[kv[0]] = kv[1];
                        break;
                    default:
                        if (args[i].StartsWith("--")) throw new ArgumentException($"unknown option {args[i]}");
                        if (!File.Exists(args[i])) throw new ArgumentException($"notebook not found: {args[i]}");
                        if (Path.GetExtension(args[i]) is not (".ipynb" or ".dib"))
                            throw new ArgumentException($"{args[i]}: expected a .ipynb or .dib notebook");
                        notebooks.Add(Path.GetFullPath(args[i]));
                        break;
                }
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                error.WriteLine($"tangent-notebook: {e.Message}\n{Usage}");
                return null;
            }
        }
        if (notebooks.Count == 0) { error.WriteLine(Usage); return null; }
        return new RunnerOptions(notebooks, outDir is null ? null : Path.GetFullPath(outDir),
            TimeSpan.FromSeconds(timeout), continueOnError, parameters);
    }
}
