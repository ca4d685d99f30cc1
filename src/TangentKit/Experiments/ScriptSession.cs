using TangentKit.Native;
using TangentKit.Reporting;
using TorchSharp;

namespace TangentKit.Experiments;

/// <summary>
/// The command line of a script twin: <c>--preset NAME</c>, <c>--results DIR</c> and <c>--device</c>, else the
/// notebooks' variables TANGENTKIT_PRESET, TANGENTKIT_RESULTS and TANGENTKIT_DEVICE, else mini,
/// <c>results/&lt;preset&gt;</c> under the repository and the CPU; the paper preset also reads <c>--weights</c>,
/// <c>--data</c> and <c>--vocab</c> (or their variables, <see cref="PaperInputs"/>).
/// </summary>
/// <param name="Preset">The preset.</param>
/// <param name="Results">Absolute path of the results folder.</param>
/// <param name="Device"><c>cpu</c>, <c>cuda</c> or <c>cuda:N</c> (checked when the session starts).</param>
/// <param name="Paper">The paper preset's inputs (null for tiny and mini).</param>
public sealed record ScriptOptions(Preset Preset, string Results, string Device = "cpu", PaperInputs? Paper = null)
{
    /// <summary>The usage line of every twin.</summary>
    public const string Usage = "options: [--preset tiny|mini|paper-vit-b-32|paper-vit-b-16|paper-vit-l-14] " +
        "[--results DIR] [--device cpu|cuda] [--weights FILE --data DIR [--vocab FILE]]  (defaults: " +
        "$TANGENTKIT_PRESET or mini; $TANGENTKIT_RESULTS or results/<preset> in the repository; $TANGENTKIT_DEVICE " +
        "or " +
        "cpu; the paper preset's $TANGENTKIT_CLIP_WEIGHTS, $TANGENTKIT_PAPER_DATA; relative paths from the current " +
        "folder)";

    /// <summary>
    /// Parses <paramref name="args"/> over <paramref name="environment"/> (a variable lookup); a relative results
    /// folder is taken from <paramref name="currentDirectory"/>, the default one under <paramref name="repository"/>.
    /// Null when <c>--help</c> is asked for.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown option, a missing value or an unknown preset.</exception>
    public static ScriptOptions? Parse(IReadOnlyList<string> args, Func<string, string?> environment,
        string repository, string currentDirectory)
    {
        string? preset = null, results = null, device = null, weights = null, data = null, vocab = null;
        for (int i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count && !args[i + 1].StartsWith("--") ? args[++i]
                : throw new ArgumentException($"{args[i]} needs a value.", nameof(args));
            switch (args[i])
            {
                case "--preset": preset = Value(); break;
                case "--results": results = Value(); break;
                case "--device": device = Value(); break;
                case "--weights": weights = Value(); break;
                case "--data": data = Value(); break;
                case "--vocab": vocab = Value(); break;
                case "-h" or "--help": return null;
                default: throw new ArgumentException($"unknown argument '{args[i]}'.", nameof(args));
            }
        }
        var source = preset is null ? "TANGENTKIT_PRESET" : "--preset";
        preset ??= NonEmpty(environment("TANGENTKIT_PRESET")) ?? "mini";
        Preset chosen;
        try { chosen = Preset.Named(preset); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw new ArgumentException($"{source}: {e.Message.Split(" (Parameter")[0]}", nameof(args), e);
        }
        results ??= NonEmpty(environment("TANGENTKIT_RESULTS"));
        var folder = results is null ? Path.Combine(repository, "results", chosen.Name)
            : Path.Combine(currentDirectory, results);
        string Relative(string? path) => path is null ? null! : Path.Combine(currentDirectory, path);
        var paper = chosen.ClipModel is null ? null
            : PaperInputs.Resolve(weights is null ? null : Relative(weights), data is null ? null : Relative(data),
                vocab is null ? null : Relative(vocab), environment);
        return new ScriptOptions(chosen, Path.GetFullPath(folder),
            NonEmpty(device) ?? NonEmpty(environment("TANGENTKIT_DEVICE")) ?? "cpu", paper);
    }

    static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}

/// <summary>
/// What every script twin (<c>notebooks/NN-name.cs</c>, run with <c>dotnet run</c>) shares, as <c>_session.dib</c> is
/// the notebooks': options, natives and threads, the suite, tables as text, and the report files.
/// </summary>
/// <example>
/// <code>
/// using var session = ScriptSession.Start(args);
/// session.Show("Table 1", TaskAddition.Table(TaskAddition.Run(session.Suite)));
/// session.Publish(Experiment.Addition);      // CSV, figures and index.html, as `tangent addition`
/// </code>
/// </example>
public sealed class ScriptSession : IDisposable
{
    ScriptSession(ScriptOptions options)
    {
        Options = options;
        Suite = Suite.Open(options.Preset, options.Results, new LineProgress(Console.WriteLine),
            device: Devices.Parse(options.Device), paper: options.Paper);
    }

    /// <summary>The preset and results folder of this run.</summary>
    public ScriptOptions Options { get; }

    /// <summary>The preset's suite (its data load only when something must be computed).</summary>
    public Suite Suite { get; }

    /// <summary>
    /// Parses the twin's arguments (exit 2 with the usage on bad ones), loads the natives, fixes the thread count as
    /// the notebooks do and prints the preset, the results folder and which results are stored.
    /// </summary>
    public static ScriptSession Start(string[] args)
    {
        ScriptOptions? options;
        try
        {
            options = ScriptOptions.Parse(args, Environment.GetEnvironmentVariable, RepositoryRoot(),
                Environment.CurrentDirectory);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"{ScriptName}: {e.Message.Split(" (Parameter")[0]}\n{ScriptOptions.Usage}");
            Environment.Exit(2);
            throw;
        }
        if (options is null)
        {
            Console.WriteLine($"{ScriptName} {ScriptOptions.Usage}");
            Environment.Exit(0);
            return null!;
        }
        TorchNative.Prepare();
        torch.set_num_threads(Environment.ProcessorCount);          // as the notebooks: the last bits depend on it
        ScriptSession session;
        try { session = new ScriptSession(options); }
        catch (ArgumentException e)                                   // --device names a device this build lacks
        {
            Console.Error.WriteLine($"{ScriptName}: {e.Message.Split(" (Parameter")[0]}");
            Environment.Exit(2);
            throw;
        }
        Console.WriteLine($"{ScriptName}: preset {options.Preset.Name}, results in {options.Results}");
        session.Show("Stored results", Reproduction.Status(session.Suite));
        return session;
    }

    /// <summary>Prints <paramref name="text"/> as a paragraph.</summary>
    public void Show(string text) => Console.WriteLine($"\n{text}");

    /// <summary>Prints <paramref name="table"/> as text under <paramref name="title"/>.</summary>
    public void Show<R, C>(string title, Deedle.Frame<R, C> table) where R : notnull where C : notnull =>
        Console.Write($"\n{title}\n{Tables.ToText(table)}");

    /// <summary>
    /// Writes the files of <paramref name="experiments"/> (JSON, CSV, figures) and <c>index.html</c>, which also shows
    /// every other stored result, as <c>tangent &lt;verb&gt;</c> does; prints and returns the index's path.
    /// </summary>
    public string Publish(params Experiment[] experiments)
    {
        if (experiments.Length == 0)
            throw new ArgumentException("name at least one experiment to publish.", nameof(experiments));
        var index = Reproduction.Run(Suite, experiments);
        Console.WriteLine($"\nreport: {index}");
        return index;
    }

    /// <summary>Frees the suite.</summary>
    public void Dispose() => Suite.Dispose();

    // `dotnet run X.cs` names the script; a compiled twin falls back to its process name.
    static string? EntryPoint => AppContext.GetData("EntryPointFilePath") as string;

    static string ScriptName => Path.GetFileName(EntryPoint ?? Environment.ProcessPath) ?? "script";

    // The folder holding TangentKit.slnx above the script (or the current folder); else the current folder.
    static string RepositoryRoot()
    {
        foreach (var start in new[] { Path.GetDirectoryName(EntryPoint), Environment.CurrentDirectory })
            for (var dir = start is null ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "TangentKit.slnx"))) return dir.FullName;
        return Environment.CurrentDirectory;
    }
}
